"""Loading is safe: the code base never unpickles, model loading reads only safetensors +
JSON, and ingest reads only files inside the folder it was given."""

from __future__ import annotations

import ast
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from recsys_core.data import ingest
from recsys_core.errors import ArtifactError, DataValidationError
from recsys_core.models.artifacts import load_bundle, save_bundle
from recsys_core.models.hybrid_artifacts import load_hybrid
from tests.conftest import tiny_tables, write_tables

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("recsys_core", "retrieval", "assistant")
PICKLING_MODULES = {
    "pickle",
    "cPickle",
    "_pickle",
    "dill",
    "joblib",
    "shelve",
    "marshal",
    "cloudpickle",
}


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def unsafe_loads(source: str, filename: str = "<string>") -> list[str]:
    """Every place in ``source`` that could run a pickle (or load a non-allowed format)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            found += [
                f"{where} import {a.name}"
                for a in node.names
                if a.name.split(".")[0] in PICKLING_MODULES
            ]
        elif (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").split(".")[0] in PICKLING_MODULES
        ):
            found.append(f"{where} from {node.module} import")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            last = name.rsplit(".", 1)[-1]
            if name == "torch.load" and not _is_true(_keyword(node, "weights_only")):
                found.append(f"{where} torch.load without weights_only=True")
            elif name in ("np.load", "numpy.load"):
                found.append(f"{where} {name} (.npy/.npz is not an allowed artifact format)")
            elif last == "read_pickle":
                found.append(f"{where} {name}")
            elif name in ("yaml.load", "yaml.unsafe_load", "yaml.full_load") and not (
                name == "yaml.load"
                and "Safe" in _dotted(_keyword(node, "Loader") or ast.Constant(None))
            ):
                found.append(f"{where} {name} (use yaml.safe_load)")
            elif last == "from_pretrained" and name.split(".")[0].startswith("AutoModel"):
                if (
                    not _is_true(_keyword(node, "use_safetensors"))
                    and _keyword(node, "gguf_file") is None
                ):
                    found.append(f"{where} {name} without use_safetensors=True")
            elif last == "SentenceTransformer":
                kwargs = _keyword(node, "model_kwargs")
                safe = isinstance(kwargs, ast.Dict) and any(
                    isinstance(k, ast.Constant) and k.value == "use_safetensors" and _is_true(v)
                    for k, v in zip(kwargs.keys, kwargs.values, strict=True)
                )
                if not safe:
                    found.append(
                        f"{where} SentenceTransformer without model_kwargs use_safetensors=True"
                    )
    return found


def test_scanner_catches_every_unsafe_pattern() -> None:
    planted = """
import pickle
from joblib import load
import dill as d
x = torch.load("m.pt")
y = np.load("a.npy", allow_pickle=True)
z = pd.read_pickle("f.pkl")
w = yaml.load(text)
m = AutoModelForCausalLM.from_pretrained(path)
s = SentenceTransformer(path)
"""
    assert len(unsafe_loads(planted)) == 9
    safe = """
t = torch.load("m.pt", weights_only=True)
w = yaml.safe_load(text)
v = yaml.load(text, Loader=yaml.SafeLoader)
m = AutoModelForCausalLM.from_pretrained(path, use_safetensors=True)
g = AutoModelForCausalLM.from_pretrained(path, gguf_file="x.gguf")
s = SentenceTransformer(path, model_kwargs={"use_safetensors": True})
tok = AutoTokenizer.from_pretrained(path)
"""
    assert unsafe_loads(safe) == []


def test_code_base_never_unpickles() -> None:
    files = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    assert len(files) > 50
    found = [
        hit
        for p in files
        for hit in unsafe_loads(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))
    ]
    assert found == []


class _Payload:
    """Unpickling this runs code: it creates a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return (Path.write_text, (self.marker, "pwned"))


@pytest.mark.parametrize("suffix", [".pkl", ".pt", ".bin", ".joblib", ".npy"])
def test_model_loading_refuses_pickle_style_artifacts(tmp_path: Path, suffix: str) -> None:
    marker = tmp_path / "unpickled"
    evil = tmp_path / f"model{suffix}"
    evil.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ArtifactError, match=rf"refusing to load .*model\{suffix}.*safetensors"):
        load_hybrid(evil)
    folder = save_bundle(
        tmp_path / "bundle", kind="k", config={"a": 1}, tensors={"w": np.ones(2, np.float32)}
    )
    (folder / f"weights{suffix}").write_bytes(evil.read_bytes())  # planted next to a valid bundle
    with pytest.raises(ArtifactError, match=rf"refusing to load .*weights\{suffix}"):
        load_bundle(folder, kind="k")
    assert not marker.exists()


def test_model_link_pointing_outside_its_versions_is_refused(tmp_path: Path) -> None:
    folder = save_bundle(
        tmp_path / "models" / "bundle",
        kind="k",
        config={"a": 1},
        tensors={"w": np.ones(2, np.float32)},
    )
    elsewhere = save_bundle(
        tmp_path / "other" / "bundle",
        kind="k",
        config={"a": 2},
        tensors={"w": np.ones(2, np.float32)},
    )
    target = elsewhere.resolve()
    folder.unlink()
    folder.symlink_to(target)
    with pytest.raises(ArtifactError, match=r"outside its \.versions folder"):
        load_bundle(folder, kind="k")


@pytest.fixture()
def shop_dir(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "shop", tiny_tables())


@pytest.mark.parametrize("target", ["other folder", "/etc"])
def test_ingest_refuses_a_symlink_out_of_the_folder(
    shop_dir: Path, tmp_path: Path, target: str
) -> None:
    if target == "/etc":
        outside = Path("/etc/hostname") if Path("/etc/hostname").exists() else Path("/etc/passwd")
    else:
        outside = write_tables(tmp_path / "elsewhere", tiny_tables()) / "users.csv"
    (shop_dir / "users.csv").unlink()
    (shop_dir / "users.csv").symlink_to(outside)
    with pytest.raises(DataValidationError) as err:
        ingest(shop_dir, tmp_path / "ws")
    text = "\n".join(i.describe() for i in err.value.issues)
    assert (
        "users.csv" in text
        and "symlink points outside the input folder" in text
        and str(outside.resolve()) in text
    )
    assert not (tmp_path / "ws" / "store").exists()  # nothing was stored


def test_ingest_refuses_a_chain_of_links_that_ends_outside(shop_dir: Path, tmp_path: Path) -> None:
    outside = write_tables(tmp_path / "elsewhere", tiny_tables()) / "users.csv"
    hop = shop_dir / ".hop.csv"  # hidden, so not itself a table file
    hop.symlink_to(outside)
    (shop_dir / "users.csv").unlink()
    (shop_dir / "users.csv").symlink_to(hop.name)
    with pytest.raises(DataValidationError, match="symlink points outside"):
        ingest(shop_dir, tmp_path / "ws")


def test_ingest_accepts_a_symlink_that_stays_inside(shop_dir: Path, tmp_path: Path) -> None:
    inner = shop_dir / "raw"
    inner.mkdir()
    os.replace(shop_dir / "users.csv", inner / "users.csv")
    (shop_dir / "users.csv").symlink_to(Path("raw") / "users.csv")
    assert len(ingest(shop_dir, tmp_path / "ws").shop.users) == len(tiny_tables()["users"])


def test_store_pointer_cannot_lead_out_of_the_store(shop_dir: Path, tmp_path: Path) -> None:
    from recsys_core.data import load_store
    from recsys_core.data.store import current_version
    from recsys_core.errors import StoreError

    ws = tmp_path / "ws"
    ingest(shop_dir, ws)
    other = tmp_path / "other"
    ingest(write_tables(tmp_path / "in2", tiny_tables()), other)
    (ws / "store" / "CURRENT").write_text(
        f"../../../other/store/versions/{current_version(other).name}\n"
    )
    with pytest.raises(StoreError, match="CURRENT"):
        load_store(ws)
