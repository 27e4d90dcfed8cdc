"""Package boundaries: light imports, public names pinned, imports flow one way."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "chromadb", "gradio", "transformers", "sentence_transformers")


@pytest.mark.parametrize("package", ["recsys_core", "recsys_core.data", "retrieval"])
def test_import_does_not_pull_heavy_dependencies(package: str) -> None:
    code = f"import sys, {package}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "", f"importing {package} imported {out.stdout.strip()}"


def test_heavy_check_can_fail() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys, safetensors.torch; print('torch' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "True"


def test_imports_flow_one_way() -> None:
    offenders = []
    for package in ("recsys_core", "retrieval"):
        for path in (ROOT / package).rglob("*.py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                if re.match(r"\s*(from|import)\s+assistant\b", line):
                    offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    for path in (ROOT / "recsys_core").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"\s*(from|import)\s+retrieval\b", line):
                offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert offenders == []


def test_public_names_are_pinned() -> None:
    import recsys_core.data

    assert sorted(recsys_core.data.__all__) == sorted(
        [
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
    )
    for name in recsys_core.data.__all__:
        assert hasattr(recsys_core.data, name)


def test_readme_documents_the_schema() -> None:
    from recsys_core.data.schema import schema_markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert schema_markdown().strip() in readme, (
        "README schema section is stale: paste schema_markdown()"
    )
    first_commands = [
        line.strip() for line in readme.splitlines() if line.strip().startswith("make ")
    ][:2]
    assert first_commands == ["make demo", "make test"]
