"""The registry of real-data adapters: name -> function(path) -> AdapterResult."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from recsys_core.data.adapters.amazon_beauty import amazon_beauty
from recsys_core.data.adapters.amazon_reviews import amazon_reviews
from recsys_core.data.adapters.homedepot import homedepot
from recsys_core.data.adapters.online_retail import online_retail
from recsys_core.data.adapters.result import AdapterResult
from recsys_core.errors import UnknownIdError

Adapter = Callable[[Path], AdapterResult]

# Built-ins are registered here like any extension would be: ADAPTERS["name"] = function.
ADAPTERS: dict[str, Adapter] = {
    "amazon_beauty": amazon_beauty,
    "amazon_reviews": amazon_reviews,
    "online_retail": online_retail,
    "homedepot": homedepot,
}


def load_adapter(name: str, path: str | Path) -> AdapterResult:
    """Run the adapter ``name`` on ``path``; ``.shop`` is the ShopData, ``.issues``/``.info`` what it did."""
    try:
        adapter = ADAPTERS[name]
    except KeyError:
        raise UnknownIdError(
            "adapter", name, f"ADAPTERS (known: {', '.join(sorted(ADAPTERS))})"
        ) from None
    return adapter(Path(path))
