"""One demo shop shared by every strategy test module (generated once per test session)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from recsys_core.data.shop import ShopData

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@lru_cache(maxsize=1)
def demo_shop() -> tuple[ShopData, dict[str, Any]]:
    """The default-size demo shop (seed 0) and its ground truth."""
    from recsys_core.demo import generate_demo_shop

    return generate_demo_shop(0)


@lru_cache(maxsize=1)
def online_retail_shop() -> ShopData | None:
    folder = SHARED_DATA / "recsys" / "online_retail"
    if not folder.is_dir():
        return None
    from recsys_core.data.adapters import online_retail

    return online_retail(folder).shop
