"""Shared fixtures: a tiny valid shop written as CSV files, and the shared data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"../shared/data not found at {SHARED_DATA} (CI clones the repo with ../shared beside it)"
        )
    return SHARED_DATA


def tiny_tables() -> dict[str, pd.DataFrame]:
    products = pd.DataFrame(
        {
            "item_id": ["P1", "P2", "P3", "P4"],
            "title": ["Trail  Boot", "Rain Jacket", "Camp Mug", "Head\u00a0Lamp"],
            "description": ["Waterproof boot", "Light jacket", "Steel mug", "Bright lamp"],
            "category": [
                "Outdoor/Footwear",
                "outdoor > Clothing",
                "Outdoor / Kitchen",
                "OUTDOOR/Lighting",
            ],
            "brand": ["Peak", "Peak", "Brew", "Glow"],
            "price": ["120.0", "80", "12.5", "30"],
            "cost": ["60", "40", "5", "12"],
            "stock": ["10", "0", "100", "5"],
            "attributes": ['{"colour": "brown"}', "", '{"material": "steel"}', ""],
            "created_at": ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"],
        }
    )
    users = pd.DataFrame(
        {
            "user_id": ["U1", "U2", "U3"],
            "signup_at": ["2025-12-01", "2025-12-02", "2025-12-03T10:00:00+02:00"],
            "region": ["north", "south", "north"],
        }
    )
    events = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(1, 9)],
            "session_id": ["S1", "S1", "S1", "S2", "S2", "S3", "S3", "S4"],
            "user_id": ["U1", "U1", "U1", "U2", "U2", "U3", "U3", "U1"],
            "item_id": ["", "P1", "P1", "P2", "P2", "P3", "P4", "P3"],
            "type": [
                "search",
                "impression",
                "purchase",
                "click",
                "purchase",
                "view",
                "purchase",
                "purchase",
            ],
            "query": ["boots", "", "", "", "", "", "", ""],
            "surface": ["search", "search", "", "recommendations", "", "category page", "", ""],
            "position": ["", "0", "", "1", "", "", "", ""],
            "timestamp": [
                "2026-02-01 10:00:00",
                "2026-02-01 10:00:01",
                "2026-02-01T10:05:00Z",
                "2026-02-02 11:00:00",
                "2026-02-02 11:01:00",
                "2026-02-03T12:00:00+02:00",
                "2026-02-03 12:00:00",
                "2026-02-10 09:00:00",
            ],
            "quantity": ["", "", "1", "", "2", "", "1", "3"],
            "unit_price": ["", "", "120", "", "80", "", "30", "12.5"],
        }
    )
    kb = pd.DataFrame(
        {
            "doc_id": ["kb-returns"],
            "title": ["Returns"],
            "body": ["# Returns\n\n## Window\nReturn within 30 days.\n"],
            "topic": ["returns"],
        }
    )
    trends = pd.DataFrame(
        {
            "date": ["2026-02-01"],
            "title": ["Boots up"],
            "text": ["Hiking boots rising."],
            "category": ["outdoor"],
        }
    )
    return {
        "products": products,
        "users": users,
        "events": events,
        "knowledge_base": kb,
        "trends": trends,
    }


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture
def tiny_shop_dir(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "input", tiny_tables())
