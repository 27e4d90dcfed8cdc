"""Model artifacts: safetensors for arrays + JSON for settings, versioned, written atomically.

A bundle ``<name>`` is a symlink to a version folder ``.versions/<name>-<id>/`` holding
``manifest.json`` (format version, kind, settings, sha256 of the tensor file and of the
manifest itself) and ``tensors.safetensors``. A save writes and fsyncs a new version folder,
then swaps the link with one ``os.replace``, so a process killed at any point leaves the
previous bundle loadable; the next save clears what it left. Saves of one bundle are
serialised by a file lock. Only these two formats are ever read: no pickle.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from recsys_core.checksums import file_sha256
from recsys_core.errors import ArtifactError
from recsys_core.workspace import atomic_path, atomic_write_text, fsync_dir
from recsys_core.workspace.files import fsync_file

FORMAT_VERSION = 2
LEGACY_VERSIONS = (1,)  # read without a manifest checksum (written before it existed)
MANIFEST = "manifest.json"
TENSORS = "tensors.safetensors"
VERSIONS = ".versions"
RETRAIN = "run `shelfwise train` to rebuild it"


def atomic_save_tensors(path: str | os.PathLike[str], tensors: Mapping[str, np.ndarray],
                        metadata: Mapping[str, str] | None = None) -> None:
    """Write one safetensors file (with a checksum in its metadata) through a temp file + rename."""
    from safetensors.numpy import save_file

    arrays = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    with atomic_path(path) as tmp:
        save_file(arrays, str(tmp), metadata={**dict(metadata or {}), CHECKSUM_KEY: tensors_digest(arrays)})


CHECKSUM_KEY = "sha256"  # safetensors metadata entry written by atomic_save_tensors


def tensors_digest(tensors: Mapping[str, np.ndarray]) -> str:
    """sha256 over the names and bytes of ``tensors`` (stored in a file's metadata)."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(name.encode() + b"\x00" + np.ascontiguousarray(tensors[name]).tobytes())
    return digest.hexdigest()


def load_checked_tensors(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The tensors of one safetensors file, checked against the digest in its metadata when
    it has one (files from before checksums load unchecked); ``ArtifactError`` names the file."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="np") as fh:
            expected = (fh.metadata() or {}).get(CHECKSUM_KEY)
            tensors = {name: fh.get_tensor(name) for name in fh.keys()}
    except Exception as exc:
        raise ArtifactError(f"{path} is unreadable ({exc})") from exc
    if expected is not None and tensors_digest(tensors) != expected:
        raise ArtifactError(f"{path} is damaged (checksum mismatch)")
    return tensors


UNSAFE_SUFFIXES = (".pkl", ".pickle", ".pt", ".pth", ".bin", ".joblib", ".npy", ".npz", ".ckpt")


def _manifest_digest(manifest: Mapping[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _prune(versions: Path, name: str, keep: set[str]) -> None:
    """Drop old versions (the one just replaced stays for readers still loading it) and
    leftovers of killed saves; runs under the bundle's lock."""
    for path in versions.glob(f"{name}-*"):
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for leftover in versions.parent.glob(f".{name}.*"):  # temp links, pre-version temp folders
        if leftover.is_symlink() or leftover.is_file():
            leftover.unlink(missing_ok=True)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def save_bundle(folder: str | os.PathLike[str], *, kind: str, config: Mapping[str, Any],
                tensors: Mapping[str, np.ndarray]) -> Path:
    """Write a new version of the bundle and switch ``folder`` to it atomically; returns ``folder``."""
    from filelock import FileLock
    from safetensors.numpy import save_file

    folder = Path(folder)
    versions = folder.parent / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    with FileLock(str(versions / f"{folder.name}.lock")):
        version = versions / f"{folder.name}-{uuid.uuid4().hex[:12]}"
        version.mkdir()
        try:
            save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(version / TENSORS))
            manifest: dict[str, Any] = {
                "format_version": FORMAT_VERSION,
                "kind": kind,
                "config": json.loads(json.dumps(dict(config))),
                "tensors_sha256": file_sha256(version / TENSORS),
                "tensor_names": sorted(tensors),
            }
            manifest["manifest_sha256"] = _manifest_digest(manifest)
            atomic_write_text(version / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
            fsync_file(version / TENSORS)
            fsync_dir(version)
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
        keep = {version.name}
        if folder.is_symlink():
            keep.add(Path(os.readlink(folder)).name)
        elif folder.is_dir():  # a bundle saved before version folders: moved aside once
            legacy = versions / f"{folder.name}-legacy-{uuid.uuid4().hex[:8]}"
            os.replace(folder, legacy)
            keep.add(legacy.name)
        link = folder.parent / f".{folder.name}.link-{uuid.uuid4().hex[:8]}"
        os.symlink(os.path.join(VERSIONS, version.name), link)
        os.replace(link, folder)  # swaps a symlink, not file contents: no atomic_write here
        fsync_dir(folder.parent)
        _prune(versions, folder.name, keep)
    return folder


def _refuse_unsafe(folder: Path) -> None:
    """Only safetensors + JSON are read; a pickle-style file is refused, never opened."""
    candidates = [folder] if not folder.is_dir() else sorted(folder.iterdir())
    for path in candidates:
        if path.name.lower().endswith(UNSAFE_SUFFIXES):
            raise ArtifactError(
                f"refusing to load {path}: Shelfwise reads only safetensors + JSON artifacts "
                f"(pickle-based formats can run code); {RETRAIN}"
            )


def _read_manifest(folder: Path, kind: str) -> dict[str, Any]:
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise ArtifactError(f"no model artifact at {folder} (missing {MANIFEST}); run `shelfwise train` first")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{manifest_path} is corrupt ({exc}); {RETRAIN}") from exc
    if not isinstance(manifest, dict):
        raise ArtifactError(f"{manifest_path} is corrupt (not a JSON object); {RETRAIN}")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION and version not in LEGACY_VERSIONS:
        raise ArtifactError(
            f"{folder} has artifact format version {version!r}, this Shelfwise reads version "
            f"{FORMAT_VERSION}; retrain with `shelfwise train`"
        )
    if version == FORMAT_VERSION and manifest.get("manifest_sha256") != _manifest_digest(manifest):
        raise ArtifactError(f"{manifest_path} is corrupt (checksum mismatch); {RETRAIN}")
    if manifest.get("kind") != kind:
        raise ArtifactError(f"{folder} holds a {manifest.get('kind')!r} artifact, expected {kind!r}")
    if not isinstance(manifest.get("config"), dict):
        raise ArtifactError(f"{manifest_path} is corrupt (no settings); {RETRAIN}")
    return manifest


def load_bundle(folder: str | os.PathLike[str], *, kind: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a bundle written by :func:`save_bundle`; checks kind, version and checksums.

    Any damage raises :class:`ArtifactError` naming the file and the command that rebuilds it.
    """
    from safetensors.numpy import load_file

    folder = Path(folder)
    if folder.is_symlink():  # read one version even if a save switches the link meanwhile
        target = folder.resolve()
        if not target.is_relative_to((folder.parent / VERSIONS).resolve()):
            raise ArtifactError(
                f"{folder} is a link to {target}, outside its {VERSIONS} folder; refusing to load it; {RETRAIN}"
            )
        folder = target
    if folder.exists():
        _refuse_unsafe(folder)
    manifest = _read_manifest(folder, kind)
    tensor_path = folder / TENSORS
    if not tensor_path.exists() or file_sha256(tensor_path) != manifest.get("tensors_sha256"):
        raise ArtifactError(f"{tensor_path} is missing or corrupt (checksum mismatch); retrain with `shelfwise train`")
    try:
        tensors = load_file(str(tensor_path))
    except Exception as exc:
        raise ArtifactError(f"{tensor_path} is unreadable ({exc}); retrain with `shelfwise train`") from exc
    return dict(manifest["config"]), tensors


def bundle_config(folder: str | os.PathLike[str], *, kind: str) -> dict[str, Any] | None:
    """The settings saved with the bundle (its manifest's ``config``, checked as
    :func:`load_bundle` checks it) without reading the tensors; None when nothing is saved."""
    folder = Path(folder)
    if not (folder / MANIFEST).exists():
        return None
    return dict(_read_manifest(folder.resolve(), kind)["config"])


def bundle_version(folder: str | os.PathLike[str]) -> str | None:
    """A short id of the bundle's current tensors (changes with every save that changes them)."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(manifest, dict):
        return None
    return str(manifest.get("tensors_sha256", ""))[:16] or None


def drop_kept_versions(folder: str | os.PathLike[str], matches: Callable[[dict[str, Any]], bool]) -> int:
    """Delete the older versions a save keeps beside the live one (for readers still loading
    them) whose saved settings ``matches``; an unreadable one is deleted too. Returns how many."""
    from filelock import FileLock

    folder = Path(folder)
    versions = folder.parent / VERSIONS
    if not versions.is_dir():
        return 0
    dropped = 0
    with FileLock(str(versions / f"{folder.name}.lock")):
        current = Path(os.readlink(folder)).name if folder.is_symlink() else None
        for path in sorted(versions.glob(f"{folder.name}-*")):
            if path.name == current or not path.is_dir():
                continue
            try:
                config = json.loads((path / MANIFEST).read_text(encoding="utf-8"))["config"]
                hit = matches(config)
            except (OSError, ValueError, KeyError, TypeError):
                hit = True  # unreadable and not the live bundle: nothing to keep it for
            if hit:
                shutil.rmtree(path)
                dropped += 1
    return dropped
