"""The shop data layer: schema, validated store, ingest, features."""

from recsys_core.data.ingest import IngestResult, ingest
from recsys_core.data.schema import EVENT_TYPES, SURFACES, TABLES
from recsys_core.data.shop import ShopData
from recsys_core.data.store import load_feature, load_quality_report, load_store, save_store
from recsys_core.errors import DataIssue, DataValidationError

__all__ = [
    "EVENT_TYPES",
    "SURFACES",
    "TABLES",
    "DataIssue",
    "DataValidationError",
    "IngestResult",
    "ShopData",
    "ingest",
    "load_feature",
    "load_quality_report",
    "load_store",
    "save_store",
]
