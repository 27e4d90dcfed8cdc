"""What ships: a wheel that runs outside the checkout, with its prompts, and product code that
never reaches into tests/ or benchmarks/.

The slow test builds the wheel from a copy of the sources, installs it with ``--no-deps`` into a
fresh virtual environment that sees the dev environment's dependencies through a ``.pth`` file
(but not its editable install of this project), and runs ``shelfwise demo`` and ``shelfwise ask``
from a folder outside the checkout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("assistant", "recsys_core", "retrieval")
SOURCES = (*PRODUCT, "prompts")  # what a build reads, besides the top-level files
ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
       "TOKENIZERS_PARALLELISM": "false"}
HEAVY = ("torch", "chromadb", "gradio", "transformers", "sentence_transformers", "langchain_core")

# an import of tests/benchmarks, or a path built from those folder names
REACHES_OUT = re.compile(
    r"^\s*(?:from|import)\s+(?:tests|benchmarks)\b"
    r"|Path\(\s*[\"'](?:\./)?(?:tests|benchmarks)\b"
    r"|[\"'](?:tests|benchmarks)[\"']\s*/",
    re.MULTILINE,
)


def test_every_package_is_listed_for_the_wheel() -> None:
    """pyproject.toml lists the packages by hand (to map prompts/): a new one must be added there."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for name in PRODUCT for p in (ROOT / name).rglob("__init__.py")}
    assert found | {"assistant.prompt_files"} == listed


def test_import_assistant_is_light() -> None:
    code = f"import sys, assistant; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"importing assistant imported {out.stdout.strip()}"


def test_reach_out_check_can_fail() -> None:
    for line in ('BENCHMARK_RESULTS = Path("benchmarks") / "results"', "from benchmarks.loadtest import Workload",
                 "import tests.app_workspace", 'folder = root / "tests" / "data"'):
        assert REACHES_OUT.search(line), line
    assert not REACHES_OUT.search('"""tuned with ``benchmarks/assistant.py --tune``"""')


def test_product_code_leaves_tests_and_benchmarks_alone() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        for match in REACHES_OUT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# ---- the installed wheel -------------------------------------------------------------------
def _run(cmd: list[str | Path], *, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SHELFWISE_WORKSPACE")}
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env={**env, **ENV}, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built (no isolation, offline) from a clean copy of the sources: a build in the
    checkout would reuse its build/ folder, where stale modules linger."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for path in ROOT.iterdir():
        if path.is_file():
            shutil.copy2(path, src / path.name)
    for name in SOURCES:
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
          "--disable-pip-version-check", "-q", "-w", tmp / "dist", src], cwd=tmp, timeout=300)
    (found,) = (tmp / "dist").glob("shelfwise-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; dependencies come from the dev environment's
    site-packages, added as a plain path (its .pth files, the editable finder's among them, are
    not run)."""
    root = tmp_path_factory.mktemp("venv") / "v"
    _run([sys.executable, "-m", "venv", "--without-pip", root], cwd=root.parent, timeout=120)
    python = root / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=root, timeout=60).stdout.strip())
    deps = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "dev-dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed",
          "--disable-pip-version-check", "-q", wheel], cwd=root, timeout=300)
    return root


@pytest.mark.slow
def test_wheel_ships_the_prompts_and_no_dev_code(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("assistant/prompt_files/"))
    expected = sorted(p.name for p in (ROOT / "prompts").iterdir() if p.suffix in (".yaml", ".md", ".py"))
    assert "answer.yaml" in shipped and shipped == expected
    tops = {n.split("/", 1)[0] for n in names if "/" in n and ".dist-info/" not in n}
    assert tops == set(PRODUCT), tops  # no tests/, benchmarks/ or prompts/ at the top level
    assert not [n for n in names if n.startswith("assistant/") and "loadtest" in n]


@pytest.mark.slow
def test_installed_wheel_runs_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    python, shelfwise = venv / "bin" / "python", venv / "bin" / "shelfwise"
    elsewhere = tmp_path / "elsewhere"  # the working directory: neither the checkout nor the venv
    elsewhere.mkdir()
    probe = ("import json, sys, assistant; from assistant.prompts import load_prompt, prompt_files;"
             "load_prompt('answer');"
             "print(json.dumps({'assistant': assistant.__file__, 'prompts': str(prompt_files()),"
             "'finders': [getattr(f, '__name__', type(f).__name__) for f in sys.meta_path]}))")
    where = json.loads(_run([python, "-c", probe], cwd=elsewhere, timeout=120).stdout)
    site = Path(where["assistant"]).resolve().parents[1]
    assert site.is_relative_to(venv.resolve()) and site.name == "site-packages", where
    assert Path(where["prompts"]).resolve() == site / "assistant" / "prompt_files", where
    assert not [f for f in where["finders"] if "Editable" in f], where["finders"]

    workspace = tmp_path / "W"
    _run([shelfwise, "demo", "--no-serve", "--workspace", workspace, "--products", "120", "--users", "80",
          "--days", "30", "--events", "3000"], cwd=elsewhere, timeout=400)
    assert (workspace / "store").is_dir() and (workspace / "index").is_dir()
    answer = json.loads(_run([shelfwise, "ask", "What is your return policy?", "--workspace", workspace,
                              "--llm", "template", "--json"], cwd=elsewhere, timeout=300).stdout)
    assert answer["intent"] == "kb_answer" and not answer["declined"], answer
    assert answer["citations"] and all("#" in c for c in answer["citations"]), answer  # chunk ids
    assert answer["citations"][0] in answer["answer"]
    assert sorted(p.name for p in elsewhere.iterdir()) == []  # nothing written to the working directory
