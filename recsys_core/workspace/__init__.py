"""The workspace folder: its layout, atomic writes, locks and settings (no heavy imports)."""

from recsys_core.workspace.files import (
    append_durably,
    atomic_path,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    fsync_dir,
)
from recsys_core.workspace.layout import LOCK_FILES, MODEL_DIR, Workspace
from recsys_core.workspace.settings import (
    SETTINGS,
    Setting,
    cache_root,
    effective_settings,
    format_settings,
    get_setting,
    setting,
    settings_markdown,
)

__all__ = [
    "LOCK_FILES",
    "MODEL_DIR",
    "SETTINGS",
    "Setting",
    "Workspace",
    "append_durably",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "cache_root",
    "effective_settings",
    "format_settings",
    "fsync_dir",
    "get_setting",
    "setting",
    "settings_markdown",
]
