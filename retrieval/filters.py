"""Metadata filters for product search (price range, category, brand, in stock)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retrieval.errors import SearchInputError


@dataclass(frozen=True)
class SearchFilters:
    """Hard filters; ``None``/empty means "no constraint". Category matches a path prefix."""

    price_min: float | None = None
    price_max: float | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)
    brands: tuple[str, ...] = field(default_factory=tuple)
    in_stock: bool = False

    def __post_init__(self) -> None:
        if (
            self.price_min is not None
            and self.price_max is not None
            and self.price_min > self.price_max
        ):
            raise SearchInputError(
                f"price_min {self.price_min} is above price_max {self.price_max}; swap them"
            )

    def is_empty(self) -> bool:
        return self == SearchFilters()

    def merged(self, other: SearchFilters) -> SearchFilters:
        """``other``'s constraints where set, else this one's."""
        return SearchFilters(
            price_min=other.price_min if other.price_min is not None else self.price_min,
            price_max=other.price_max if other.price_max is not None else self.price_max,
            categories=other.categories or self.categories,
            brands=other.brands or self.brands,
            in_stock=other.in_stock or self.in_stock,
        )

    def describe(self) -> list[str]:
        """Human-readable list of the active constraints (for the trace)."""
        out: list[str] = []
        if self.price_min is not None:
            out.append(f"price >= {self.price_min:g}")
        if self.price_max is not None:
            out.append(f"price <= {self.price_max:g}")
        if self.categories:
            out.append("category in " + ", ".join(self.categories))
        if self.brands:
            out.append("brand in " + ", ".join(self.brands))
        if self.in_stock:
            out.append("in stock")
        return out

    def mask(self, products: pd.DataFrame) -> np.ndarray:
        """Boolean array: which rows of ``products`` pass every constraint."""
        keep = np.ones(len(products), dtype=bool)
        if self.price_min is not None or self.price_max is not None:
            price = _column(products, "price", "a price filter")
            values = pd.to_numeric(price, errors="coerce").astype("float64").to_numpy()
            ok = ~np.isnan(values)
            if self.price_min is not None:
                ok &= values >= self.price_min
            if self.price_max is not None:
                ok &= values <= self.price_max
            keep &= np.nan_to_num(ok, nan=False).astype(bool)
        if self.categories:
            cat = _column(products, "category", "a category filter").fillna("").str.lower()
            ok = np.zeros(len(products), dtype=bool)
            for c in self.categories:
                c = c.lower()
                ok |= ((cat == c) | cat.str.startswith(c + " > ") | cat.str.endswith(" > " + c)).to_numpy()
            keep &= ok
        if self.brands:
            brand = _column(products, "brand", "a brand filter").fillna("").str.lower()
            keep &= brand.isin([b.lower() for b in self.brands]).to_numpy()
        if self.in_stock:
            stock = pd.to_numeric(_column(products, "stock", "an in-stock filter"), errors="coerce")
            keep &= (stock.fillna(0) > 0).to_numpy()
        return keep


def _column(products: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in products.columns:
        raise SearchInputError(
            f"{what} needs a '{name}' column, but the catalogue has {list(products.columns)}"
        )
    return products[name]
