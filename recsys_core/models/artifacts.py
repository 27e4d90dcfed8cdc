"""Model artifacts: safetensors for arrays + JSON for settings, versioned, written atomically.

A bundle is a folder ``<name>/`` holding ``manifest.json`` (format version, kind, settings,
sha256 of the tensor file) and ``tensors.safetensors``. Writes go to a sibling temp folder
that is renamed into place, so a crash never leaves a half-written bundle.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from recsys_core.errors import ArtifactError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TENSORS = "tensors.safetensors"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_save_tensors(path: str | os.PathLike[str], tensors: Mapping[str, np.ndarray],
                        metadata: Mapping[str, str] | None = None) -> None:
    """Write one safetensors file through a temp file + rename."""
    from safetensors.numpy import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, tmp, metadata=dict(metadata or {}))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_bundle(folder: str | os.PathLike[str], *, kind: str, config: Mapping[str, Any],
                tensors: Mapping[str, np.ndarray]) -> Path:
    """Write a versioned bundle atomically (replacing an older one); returns its folder."""
    from safetensors.numpy import save_file

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.tmp-"))
    try:
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(tmp / TENSORS))
        manifest = {
            "format_version": FORMAT_VERSION,
            "kind": kind,
            "config": dict(config),
            "tensors_sha256": _sha256(tmp / TENSORS),
            "tensor_names": sorted(tensors),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        old = None
        if folder.exists():
            old = folder.parent / f".{folder.name}.old-{os.getpid()}"
            os.replace(folder, old)
        os.replace(tmp, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def load_bundle(folder: str | os.PathLike[str], *, kind: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a bundle written by :func:`save_bundle`; checks kind, version and checksum."""
    from safetensors.numpy import load_file

    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise ArtifactError(f"no model artifact at {folder} (missing {MANIFEST}); run `shelfwise train` first")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{manifest_path} is corrupt ({exc}); retrain with `shelfwise train`") from exc
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ArtifactError(
            f"{folder} has artifact format version {version!r}, this Shelfwise reads version "
            f"{FORMAT_VERSION}; retrain with `shelfwise train`"
        )
    if manifest.get("kind") != kind:
        raise ArtifactError(f"{folder} holds a {manifest.get('kind')!r} artifact, expected {kind!r}")
    tensor_path = folder / TENSORS
    if not tensor_path.exists() or _sha256(tensor_path) != manifest.get("tensors_sha256"):
        raise ArtifactError(f"{tensor_path} is missing or corrupt (checksum mismatch); retrain with `shelfwise train`")
    try:
        tensors = load_file(str(tensor_path))
    except Exception as exc:
        raise ArtifactError(f"{tensor_path} is unreadable ({exc}); retrain with `shelfwise train`") from exc
    return dict(manifest["config"]), tensors
