"""Domain adaptation of the search encoder: fine-tune MiniLM on the catalogue's own (query,
relevant title) pairs with in-batch negatives (sentence-transformers' MultipleNegativesRankingLoss),
on CPU, and save it as a sentence-transformers folder (safetensors).

Pairs come from graded labels (:func:`pairs_from_labels`: a query and each title labelled
relevant, with a title labelled irrelevant for the same query as its hard negative where there
is one) or from a shop's search log (:func:`pairs_from_search_log`: a query and each title clicked
after it). The saved folder is an encoder spec of :mod:`recsys_core.models.encoders`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.errors import SearchInputError

MIN_PAIRS = 50  # fewer (query, title) pairs than this teach the model nothing worth its risk


@dataclass(frozen=True)
class Pair:
    """One training example: a query, a relevant title, and optionally an irrelevant one."""

    query: str
    positive: str
    negative: str | None = None


@dataclass
class TuningReport:
    pairs: int
    steps: int
    epochs: int
    seconds: float
    final_loss: float


def pairs_from_labels(queries: Mapping[str, str], gains: Mapping[str, Mapping[str, float]],
                      titles: Mapping[str, str], *, min_gain: float = 1.0, seed: int = 0) -> list[Pair]:
    """(query, title with gain >= ``min_gain``[, a title labelled 0 for that query]) per label.

    ``queries`` maps query id to text, ``gains`` query id to {item id: gain}, ``titles`` item id to
    the text the index embeds for it."""
    rng = random.Random(seed)
    out = []
    for qid, text in queries.items():
        graded = gains.get(qid) or {}
        negatives = [titles[i] for i, g in graded.items() if g <= 0 and i in titles]
        for item, gain in sorted(graded.items()):
            if gain >= min_gain and item in titles:
                out.append(Pair(text, titles[item], rng.choice(negatives) if negatives else None))
    return out


def pairs_from_search_log(lists: Iterable[Any], titles: Mapping[str, str]) -> list[Pair]:
    """(query, clicked title) for each click of each logged search list (``query`` and ``clicked``
    attributes, as :func:`retrieval.ranker_logs.search_lists` gives them)."""
    return [Pair(str(lst.query), titles[i]) for lst in lists for i in lst.clicked if i in titles]


def _batches(pairs: Sequence[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffled batches in which no query or title repeats (a repeat would be its own in-batch
    negative and teach the model the wrong thing)."""
    order = list(pairs)
    rng.shuffle(order)
    batches: list[list[Pair]] = []
    open_: list[tuple[list[Pair], set[str]]] = []
    for p in order:
        keys = {p.query.lower(), p.positive, *([p.negative] if p.negative else [])}
        for batch, seen in open_:
            if not keys & seen:
                batch.append(p)
                seen |= keys
                if len(batch) == size:
                    batches.append(batch)
                    open_.remove((batch, seen))
                break
        else:
            open_.append(([p], set(keys)))
    batches.extend(b for b, _ in open_ if len(b) >= 2)
    rng.shuffle(batches)
    return batches


def fine_tune_encoder(pairs: Sequence[Pair], out_dir: str | Path, *, base: str | Path | None = None,
                      epochs: int = 1, batch_size: int = 32, learning_rate: float = 2e-5, seed: int = 0,
                      max_seconds: float | None = None, show_progress: bool = True) -> TuningReport:
    """Fine-tune ``base`` (default: the bundled MiniLM) on ``pairs`` and save it to ``out_dir``
    (written beside it and renamed into place, so a killed run leaves the old model)."""
    import shutil

    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from tqdm.auto import tqdm

    from recsys_core.models.encoders import bundled_folder

    if len(pairs) < MIN_PAIRS:
        raise SearchInputError(f"{len(pairs)} (query, relevant title) pairs; the encoder needs at least {MIN_PAIRS}")
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = SentenceTransformer(str(base or bundled_folder()), device="cpu", model_kwargs={"use_safetensors": True})
    model.train()
    loss_fn = MultipleNegativesRankingLoss(model)
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    start = time.perf_counter()
    steps, last = 0, float("nan")
    plan = [_batches(pairs, batch_size, rng) for _ in range(epochs)]
    total = sum(len(b) for b in plan)
    with tqdm(total=total, desc="adapting the search encoder", unit="batch", disable=not show_progress) as bar:
        for batches in plan:
            for batch in batches:
                if max_seconds is not None and time.perf_counter() - start > max_seconds:
                    break
                columns = [[p.query for p in batch], [p.positive for p in batch]]
                if all(p.negative for p in batch):
                    columns.append([str(p.negative) for p in batch])
                features = [model.tokenize(col) for col in columns]
                loss = loss_fn(features, torch.empty(0))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                steps, last = steps + 1, float(loss.detach())
                bar.update(1)
                bar.set_postfix(loss=f"{last:.3f}")
    model.eval()
    out = Path(out_dir)
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save(str(partial), safe_serialization=True)
    if out.exists():
        shutil.rmtree(out)
    partial.rename(out)
    return TuningReport(pairs=len(pairs), steps=steps, epochs=epochs, seconds=time.perf_counter() - start,
                        final_loss=last)


def train_workspace_encoder(workspace: str | Path, *, held_days: int = 14, max_seconds: float = 600.0,
                            show_progress: bool = True) -> dict[str, Any]:
    """``shelfwise train``'s encoder step: fine-tune MiniLM on the clicks of the search lists before
    the last ``held_days``, and keep it (``models/search-encoder``) only when the hybrid ranks the
    held days' clicked results higher with it (MRR@10) than with the generic model. Writes
    ``models/search-encoder-report.json``; a product index built before must be rebuilt to use it
    (``shelfwise index``), which the caller does."""
    import shutil

    import pandas as pd

    from recsys_core.data.store import load_store
    from recsys_core.workspace import Workspace, atomic_write_json
    from recsys_core.workspace.settings import get_setting
    from retrieval.ranker_logs import MIN_LISTS, _held_metrics, search_lists
    from retrieval.search import HybridSearcher, document_text

    ws = Workspace(workspace)
    shop = load_store(ws.root)
    lists = search_lists(shop.events)
    if len(lists) < MIN_LISTS:
        raise SearchInputError(f"{len(lists)} logged search lists with clicks; adapting the encoder needs at least "
                               f"{MIN_LISTS}")
    cut = max(sl.day for sl in lists) - pd.Timedelta(days=held_days)
    train, held = [sl for sl in lists if sl.day <= cut], [sl for sl in lists if sl.day > cut]
    if not held:
        raise SearchInputError(f"no logged search in the last {held_days} days to check an adapted encoder on")
    products = shop.products
    titles = dict(zip(products["item_id"].astype(str), document_text(products), strict=True))
    pairs = pairs_from_search_log(train, titles)
    candidate = ws.search_encoder_dir.with_name("search-encoder.candidate")
    tuning = fine_tune_encoder(pairs, candidate, max_seconds=max_seconds, show_progress=show_progress)
    precision = "#int8" if (get_setting("search_encoder") or "minilm-int8").endswith("int8") else ""
    generic = "minilm-int8" if precision else "minilm"
    held_by: dict[str, dict[str, float]] = {}
    cache = ws.index_dir / "embed-cache"
    for name, spec in (("generic", generic), ("adapted", f"{candidate}{precision}")):
        searcher = HybridSearcher(encoder=spec, embed_cache_dir=str(cache)).fit(products, show_progress=show_progress)
        held_by[name] = _held_metrics(searcher, held)
    kept = held_by["adapted"]["mrr@10"] > held_by["generic"]["mrr@10"]
    if kept:
        if ws.search_encoder_dir.exists():
            shutil.rmtree(ws.search_encoder_dir)
        candidate.rename(ws.search_encoder_dir)
    else:
        shutil.rmtree(candidate, ignore_errors=True)
    in_use = ws.search_encoder_dir if (ws.search_encoder_dir / "model.safetensors").is_file() else None
    report = {"kept": kept, "encoder": str(ws.search_encoder_dir) if kept else None,
              # an encoder adapted by an earlier train stays when this one loses: say which is in use
              "in_use": str(in_use) if in_use else "generic", "train_lists": len(train),
              "held_lists": len(held), "cut": str(cut), "pairs": tuning.pairs, "steps": tuning.steps,
              "seconds": round(tuning.seconds, 1), "final_loss": tuning.final_loss, "held": held_by}
    atomic_write_json(ws.models_dir / "search-encoder-report.json", report, default=float)
    return report
