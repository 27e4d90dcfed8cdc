"""``ShopData``: the six tables of one shop, as pandas frames in the schema's columns."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from recsys_core.data.schema import TABLES, TableSchema


def empty_frame(schema: TableSchema) -> pd.DataFrame:
    """An empty frame with the schema's columns and dtypes."""
    from recsys_core.data.frames import PANDAS_DTYPES

    return pd.DataFrame(
        {c.name: pd.Series([], dtype=PANDAS_DTYPES[c.dtype]) for c in schema.columns}
    )


@dataclass
class ShopData:
    """One shop. Missing optional tables are empty frames with the right columns."""

    products: pd.DataFrame
    events: pd.DataFrame
    users: pd.DataFrame = field(default_factory=lambda: empty_frame(TABLES["users"]))
    knowledge_base: pd.DataFrame = field(
        default_factory=lambda: empty_frame(TABLES["knowledge_base"])
    )
    trends: pd.DataFrame = field(default_factory=lambda: empty_frame(TABLES["trends"]))
    reviews: pd.DataFrame = field(default_factory=lambda: empty_frame(TABLES["reviews"]))

    def table(self, name: str) -> pd.DataFrame:
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}")
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: self.table(name) for name in TABLES}

    def counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables().items()}
