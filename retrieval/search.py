"""Hybrid product search: BM25 + dense + fusion, then personalisation, then business rules.

``HybridSearcher(...).fit(products)`` indexes a catalogue (``item_id`` plus text columns, and
optionally price/category/brand/stock for filters); ``search`` returns :class:`Hit` s, each
with a per-stage :class:`HitTrace` when ``explain=True``; ``compare`` says at which stage one
item passes another. Dense candidates come from an exact search over the vectors held in
memory (one matrix product) unless an ANN callable (e.g. a Chroma HNSW collection) is given and
the catalogue has more than ``exact_dense_max`` products (the ``exact_dense_max`` setting): up to
a few hundred thousand products the exact product is faster than a round trip to the index and
never misses a neighbour.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from recsys_core.errors import NotFittedError, UnknownIdError
from retrieval import fusion
from retrieval.bm25 import AnalysedQuery, BM25Index
from retrieval.errors import SearchInputError
from retrieval.filters import SearchFilters
from retrieval.query_parser import parse_query
from retrieval.rules import Candidate, SearchRule, apply_rules
from retrieval.tokenizer import STOPWORDS
from retrieval.trace import Comparison, Hit, HitTrace, stage_where_ahead

if TYPE_CHECKING:
    from retrieval.ranker import SearchRanker

MODES = ("bm25", "dense", "hybrid")
QUERY_CACHE = 1024  # query vectors kept per searcher
FUSIONS = ("weighted", "rrf")
DEFAULT_FIELD_WEIGHTS: dict[str, float] = {
    "title": 1.0, "brand": 0.6, "category": 0.4, "description": 0.15,
}
AnnSearch = Callable[[np.ndarray, int], Sequence[tuple[str, float]]]
QueryEncoder = Callable[[str], np.ndarray]


def document_text(products: pd.DataFrame) -> list[str]:
    """The text each product is embedded from: title, then brand and category when present."""
    parts = [products["title"].fillna("").astype(str)]
    for col in ("brand", "category"):
        if col in products.columns:
            parts.append(products[col].fillna("").astype(str))
    out: list[str] = []
    for row in zip(*parts, strict=True):
        out.append(". ".join(p for p in row if p))
    return out


def exact_dense_limit(value: int | None = None) -> int:
    """``value``, else the ``exact_dense_max`` setting, as a product count."""
    if value is None:
        from recsys_core.workspace.settings import get_setting, setting

        raw = str(get_setting("exact_dense_max"))
        try:
            value = int(raw)
        except ValueError:
            raise SearchInputError(
                f"{setting('exact_dense_max').env}={raw!r} is not a whole number of products; "
                "set e.g. 200000 (0: always the ANN index)"
            ) from None
    if value < 0:
        raise SearchInputError(f"exact_dense_max {value} is negative; use 0 or more products")
    return value


@dataclass
class _Scored:
    """Internal: one query's scores over the candidate union (arrays aligned with ``rows``)."""

    analysed: AnalysedQuery
    filters: SearchFilters
    rows: np.ndarray  # catalogue rows of the candidate union
    pos: dict[int, int]  # catalogue row -> index in ``rows``
    bm25: np.ndarray | None
    dense: np.ndarray | None
    bm25_rank: np.ndarray  # 1-based, 0 = not in the BM25 candidates
    dense_rank: np.ndarray
    fused: np.ndarray
    personal: np.ndarray | None
    ranked: np.ndarray | None = None  # the learned ranker's scores, when there is one
    contributions: np.ndarray | None = None  # its TreeSHAP values (features + base value)
    reranked: np.ndarray | None = None  # which candidates the ranker scored (its top depth)
    offset: float = 0.0  # the shift that puts the others below them, in fused order

    def base(self) -> np.ndarray:
        return self.ranked if self.ranked is not None else self.fused

    def final(self, personal_weight: float) -> np.ndarray:
        return self.base() + personal_weight * self.personal if self.personal is not None else self.base()


class HybridSearcher:
    """Hybrid lexical + semantic product search with a per-stage trace.

    Defaults (BM25 k1/b, spelling correction, min-max weighted fusion with dense weight 0.25,
    200 candidates per retriever) were chosen on the TUNE half of the Home Depot dev queries;
    see ``benchmarks/search.py``.
    """

    def __init__(
        self,
        *,
        mode: str = "hybrid",
        fusion: str = "weighted",
        dense_weight: float = 0.25,
        normalisation: str = "minmax",
        rrf_k: float = 60.0,
        candidates: int = 200,
        k1: float = 0.9,
        b: float = 0.4,
        field_weights: Mapping[str, float] | None = None,
        spell_correct: bool = True,
        personal_weight: float = 0.15,
        parse_queries: bool = True,
        query_encoder: QueryEncoder | None = None,
        embed_cache_dir: str | None = None,
        stopwords: frozenset[str] = STOPWORDS,
        ranker: SearchRanker | None = None,
        encoder: str | None = None,
        exact_dense_max: int | None = None,
    ):
        self.mode = mode
        self.fusion = fusion
        self.dense_weight = dense_weight
        self.normalisation = normalisation
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.k1 = k1
        self.b = b
        self.field_weights = field_weights
        self.spell_correct = spell_correct
        self.personal_weight = personal_weight
        self.parse_queries = parse_queries
        self.query_encoder = query_encoder
        self.embed_cache_dir = embed_cache_dir
        self.stopwords = stopwords
        self.ranker = ranker  # a learned ranker re-scores every candidate (see retrieval.ranker)
        self.encoder = encoder  # spec of recsys_core.models.encoders for products and queries (None: fp32 MiniLM)
        self.exact_dense_max = exact_dense_max  # exact dense search up to this many products (None: the setting)

    # ---- fitting -------------------------------------------------------------------------
    def fit(
        self,
        products: pd.DataFrame,
        *,
        embeddings: np.ndarray | None = None,
        ann: AnnSearch | None = None,
        show_progress: bool = True,
    ) -> HybridSearcher:
        """Index ``products``; ``embeddings`` (rows aligned, unit norm) skip the encoder."""
        if self.mode not in MODES:
            raise SearchInputError(f"unknown search mode {self.mode!r}; use one of {MODES}")
        if self.fusion not in FUSIONS:
            raise SearchInputError(f"unknown fusion {self.fusion!r}; use one of {FUSIONS}")
        for col in ("item_id", "title"):
            if col not in products.columns:
                raise SearchInputError(
                    f"products need an '{col}' column; got {list(products.columns)}"
                )
        if products["item_id"].duplicated().any():
            dup = products.loc[products["item_id"].duplicated(), "item_id"].iloc[0]
            raise SearchInputError(f"duplicate item_id {dup!r} in the products to index")
        self.products_ = products.reset_index(drop=True)
        self.item_ids_ = self.products_["item_id"].astype(str).to_numpy()
        self.row_of_ = {item: i for i, item in enumerate(self.item_ids_)}
        weights = dict(self.field_weights or DEFAULT_FIELD_WEIGHTS)
        weights = {f: w for f, w in weights.items() if f in self.products_.columns}
        texts = {f: self.products_[f].fillna("").astype(str).tolist() for f in weights}
        self.bm25_ = BM25Index(fields=weights, k1=self.k1, b=self.b, spell_correct=self.spell_correct,
                               stopwords=self.stopwords)
        self.bm25_.fit(texts)
        self.embeddings_: np.ndarray | None = None
        if self.mode != "bm25" or embeddings is not None:
            if embeddings is None:
                from retrieval.embedding import embed_texts

                embeddings = embed_texts(
                    document_text(self.products_), cache_dir=self.embed_cache_dir,
                    show_progress=show_progress, desc="embedding products", encoder=self.encoder,
                )
            if embeddings.shape[0] != len(self.products_):
                raise SearchInputError(
                    f"{embeddings.shape[0]} embeddings for {len(self.products_)} products"
                )
            self.embeddings_ = np.ascontiguousarray(embeddings, dtype=np.float32)
        self.ann_ = ann
        self.exact_dense_max_ = exact_dense_limit(self.exact_dense_max)
        self.brands_ = sorted(set(self.products_["brand"].dropna().astype(str))) if "brand" in self.products_ else []
        self.categories_ = sorted(set(self.products_["category"].dropna().astype(str))) if "category" in self.products_ else []
        return self

    def _check(self) -> None:
        if not hasattr(self, "bm25_"):
            raise NotFittedError(self)

    def uses_ann(self) -> bool:
        """Whether unfiltered dense candidates come from the ANN index (else exact search)."""
        self._check()
        return self.ann_ is not None and len(self.item_ids_) > self.exact_dense_max_

    def _encode(self, text: str) -> np.ndarray:
        """The query's vector; the last ``QUERY_CACHE`` distinct texts are kept (a repeated query,
        a what-if or a lint re-ranking the same searches, skips the encoder)."""
        cache: OrderedDict[str, np.ndarray] = self.__dict__.setdefault("_query_vectors", OrderedDict())
        found = cache.get(text)
        if found is None:
            if self.query_encoder is not None:
                found = self.query_encoder(text)
            else:
                from retrieval.embedding import embed_query

                found = embed_query(text) if self.encoder is None else embed_query(text, self.encoder)
            cache[text] = found
            while len(cache) > QUERY_CACHE:
                cache.popitem(last=False)
        return found

    def forget_queries(self) -> None:
        """Drop the cached query vectors (a latency benchmark times the encoder every time)."""
        self.__dict__.pop("_query_vectors", None)

    # ---- scoring -------------------------------------------------------------------------
    def _parse(self, query: str, filters: SearchFilters | None) -> tuple[str, SearchFilters]:
        self._check()
        filters = filters or SearchFilters()
        if not query.strip():
            raise SearchInputError("empty search query; type a few words")
        if self.parse_queries:
            parsed = parse_query(
                query, brands=self.brands_, categories=self.categories_,
                prices="price" in self.products_, stock="stock" in self.products_,
            )
            return parsed.text, parsed.filters.merged(filters)
        return query, filters

    def query_text(self, query: str) -> str:
        """The text the dense encoder sees for ``query`` (filters removed, typos fixed)."""
        text, _ = self._parse(query, None)
        return self.bm25_.analyse(text).text or query

    def _top(self, scores: np.ndarray, n: int) -> np.ndarray:
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return top[scores[top] > -np.inf]

    def _score(
        self,
        query: str,
        filters: SearchFilters | None,
        user_vector: np.ndarray | None,
        extra_rows: Iterable[int] = (),
        query_vector: np.ndarray | None = None,
        pinned_rows: Iterable[int] = (),
        explain: bool = False,
    ) -> _Scored:
        text, filters = self._parse(query, filters)
        analysed = self.bm25_.analyse(text)
        mask = None if filters.is_empty() else filters.mask(self.products_)
        n = self.candidates
        bm25_all = self.bm25_.scores(analysed.tokens) if self.mode != "dense" else None
        qv: np.ndarray | None = None
        bm25_top: np.ndarray = np.zeros(0, dtype=np.int64)
        dense_top: np.ndarray = np.zeros(0, dtype=np.int64)
        if bm25_all is not None:
            masked = bm25_all if mask is None else np.where(mask, bm25_all, -np.inf)
            bm25_top = self._top(np.where(masked > 0, masked, -np.inf), n)
        if self.mode != "bm25":
            if self.embeddings_ is None:
                raise NotFittedError(self)
            qv = query_vector if query_vector is not None else self._encode(analysed.text or query)
            ann = self.ann_ if mask is None and self.uses_ann() else None
            if ann is not None:
                # HNSW candidates: cost independent of the catalogue size
                hits = ann(qv, n)
                dense_top = np.asarray([self.row_of_[i] for i, _ in hits if i in self.row_of_], dtype=np.int64)
            else:
                dense_all = self.embeddings_ @ qv
                dense_top = self._top(dense_all if mask is None else np.where(mask, dense_all, -np.inf), n)
        # pinned items join the candidates even when not retrieved, unless a filter excludes them
        pinned = [r for r in pinned_rows if mask is None or mask[r]]
        rows = np.asarray(
            list(dict.fromkeys([*bm25_top.tolist(), *dense_top.tolist(), *extra_rows, *pinned])),
            dtype=np.int64,
        )
        pos = {int(r): i for i, r in enumerate(rows)}
        bm25_rank = np.zeros(len(rows), dtype=np.int64)
        bm25_rank[[pos[int(r)] for r in bm25_top]] = np.arange(1, len(bm25_top) + 1)
        dense_rank = np.zeros(len(rows), dtype=np.int64)
        dense_rank[[pos[int(r)] for r in dense_top]] = np.arange(1, len(dense_top) + 1)
        bm25 = bm25_all[rows].astype(np.float64) if bm25_all is not None else None
        dense = (self.embeddings_[rows] @ qv).astype(np.float64) if qv is not None and self.embeddings_ is not None else None
        fused = self._fuse(bm25, dense, bm25_rank, dense_rank)
        personal = None
        if user_vector is not None and self.embeddings_ is not None:
            u = np.asarray(user_vector, dtype=np.float32).ravel()
            if u.shape[0] != self.embeddings_.shape[1]:
                raise SearchInputError(
                    f"user vector has {u.shape[0]} dimensions, the product embeddings "
                    f"{self.embeddings_.shape[1]}; build it from the same embedding model"
                )
            u = u / (np.linalg.norm(u) or 1.0)
            personal = (self.embeddings_[rows] @ u).astype(np.float64)
        scored = _Scored(analysed, filters, rows, pos, bm25, dense, bm25_rank, dense_rank, fused, personal)
        if self.ranker is not None and len(rows):
            self._rerank(scored, [pos[int(r)] for r in [*extra_rows, *pinned] if int(r) in pos], explain)
        return scored

    def rerank_positions(self, scored: _Scored, depth: int, extra: Iterable[int] = ()) -> np.ndarray:
        """Positions (into ``scored.rows``) of the top ``depth`` candidates by fused score, plus ``extra``."""
        top = np.argsort(-scored.fused, kind="stable")[:depth]
        return np.asarray(sorted({*top.tolist(), *extra}), dtype=np.int64)

    def _rerank(self, scored: _Scored, extra: list[int], explain: bool) -> None:
        """The learned ranker scores the top ``ranker.depth`` candidates (and pinned/asked-for ones);
        the rest keep their fused order below them, shifted by one named offset."""
        assert self.ranker is not None
        idx = self.rerank_positions(scored, self.ranker.depth, extra)
        X = self.features().build(scored, idx)
        ranked = np.empty(len(scored.rows))
        ranked[idx] = self.ranker.score(X)
        scored.reranked = np.zeros(len(scored.rows), dtype=bool)
        scored.reranked[idx] = True
        rest = np.flatnonzero(~scored.reranked)
        if len(rest):
            scored.offset = float(ranked[idx].min() - 1.0 - scored.fused[rest].max())
            ranked[rest] = scored.fused[rest] + scored.offset
        scored.ranked = ranked
        if explain:
            scored.contributions = np.full((len(scored.rows), X.shape[1] + 1), np.nan)
            scored.contributions[idx] = self.ranker.contributions(X)

    def features(self) -> Any:
        """The feature builder of this index (:class:`retrieval.rank_features.FeatureBuilder`)."""
        found = self.__dict__.get("_features")
        if found is None:
            from retrieval.rank_features import FeatureBuilder

            found = self.__dict__["_features"] = FeatureBuilder(self)
        return found

    def _fuse(
        self,
        bm25: np.ndarray | None,
        dense: np.ndarray | None,
        bm25_rank: np.ndarray,
        dense_rank: np.ndarray,
    ) -> np.ndarray:
        if self.mode == "bm25" or dense is None:
            assert bm25 is not None
            return bm25
        if self.mode == "dense" or bm25 is None:
            return dense
        weights = [1 - self.dense_weight, self.dense_weight]
        if self.fusion == "rrf":
            return fusion.rrf_arrays([bm25_rank, dense_rank], k=self.rrf_k, weights=weights)
        return fusion.weighted_arrays(
            [bm25, dense], weights=weights, method=self.normalisation,  # type: ignore[arg-type]
        )

    # ---- public API ----------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        user_vector: np.ndarray | None = None,
        rules: Sequence[SearchRule] | None = None,
        explain: bool = False,
    ) -> list[Hit]:
        """Top ``k`` products for ``query``; ``explain`` attaches a per-stage trace to each hit."""
        # items a rule pins for this query join the candidates even when not retrieved
        pinned = [pid for r in rules or () for pid in getattr(r, "pinned_items", lambda _q: ())(query)]
        pins = [self.row_of_[pid] for pid in pinned if pid in self.row_of_]
        scored = self._score(query, filters, user_vector, pinned_rows=pins, explain=explain)
        ordered = self._final_order(scored, rules or (), query)
        return [self._hit(scored, c, i + 1, explain) for i, c in enumerate(ordered[:k])]

    def rank_ids(self, query: str, k: int = 100, *, query_vector: np.ndarray | None = None) -> list[str]:
        """Item ids only (fast path for evaluation); ``query_vector`` skips the encoder."""
        scored = self._score(query, None, None, query_vector=query_vector)
        order = np.argsort(-scored.base(), kind="stable")[:k]
        return [str(x) for x in self.item_ids_[scored.rows[order]]]

    def _final_order(self, scored: _Scored, rules: Sequence[SearchRule], query: str) -> list[Candidate]:
        final = scored.final(self.personal_weight)
        candidates = [
            Candidate(
                item_id=str(self.item_ids_[r]),
                score=float(final[i]),
                metadata=self.products_.iloc[int(r)].to_dict() if rules else {},
            )
            for i, r in enumerate(scored.rows)
        ]
        if rules:
            return apply_rules(candidates, rules, query)
        return sorted(candidates, key=lambda c: -c.score)

    def _hit(self, scored: _Scored, c: Candidate, rank: int, explain: bool) -> Hit:
        r = self.row_of_[c.item_id]
        title = str(self.products_.at[r, "title"])
        if not explain:
            return Hit(item_id=c.item_id, rank=rank, score=c.score, title=title)
        i = scored.pos[r]
        fused_rank = int((scored.fused > scored.fused[i]).sum()) + 1
        trace = HitTrace(
            bm25_score=float(scored.bm25[i]) if scored.bm25 is not None else 0.0,
            bm25_rank=int(scored.bm25_rank[i]) or None,
            dense_similarity=float(scored.dense[i]) if scored.dense is not None else None,
            dense_rank=int(scored.dense_rank[i]) or None,
            fused_score=float(scored.fused[i]),
            fused_rank=fused_rank,
            personal_score=float(scored.personal[i]) if scored.personal is not None else None,
            ranker_score=float(scored.ranked[i]) if scored.ranked is not None else None,
            rule_effects=list(c.effects),
            filters_applied=scored.filters.describe(),
            matched_terms=self.bm25_.matched_terms(scored.analysed.tokens, r),
            query_corrections=[f"{x.original} -> {x.replacement}" for x in scored.analysed.corrections],
        )
        if scored.contributions is not None and scored.reranked is not None and not scored.reranked[i]:
            parts = {"retrieval": float(scored.fused[i]), "ranker:below_depth": scored.offset}
        elif scored.contributions is not None:
            from retrieval.rank_features import FEATURES

            row = scored.contributions[i]
            parts = {f"ranker:{f}": float(v) for f, v in zip(FEATURES, row[:-1], strict=True)}
            parts["ranker:base"] = float(row[-1])
            parts["ranker:base"] += float(scored.base()[i]) - math.fsum(parts.values())  # float remainder
        else:
            parts = {"retrieval": float(scored.fused[i])}
        if scored.personal is not None:
            parts["personalisation"] = self.personal_weight * float(scored.personal[i])
        parts.update({f"rule:{rule_id}": delta for rule_id, delta in c.parts.items()})
        return Hit(item_id=c.item_id, rank=rank, score=c.score, title=title, trace=trace, contributions=parts)

    def compare(
        self,
        query: str,
        a: str,
        b: str,
        *,
        filters: SearchFilters | None = None,
        user_vector: np.ndarray | None = None,
        rules: Sequence[SearchRule] | None = None,
    ) -> Comparison:
        """At which stage (bm25 → dense → fused → personalised → final) ``a`` passes ``b``."""
        self._check()
        rows = []
        for item in (a, b):
            if item not in self.row_of_:
                raise UnknownIdError("item", item, "the search index")
            rows.append(self.row_of_[item])
        s = self._score(query, filters, user_vector, extra_rows=rows)
        ia, ib = s.pos[rows[0]], s.pos[rows[1]]
        final = self._final_order(s, rules or (), query)
        pos = {c.item_id: i for i, c in enumerate(final)}
        pers = s.final(self.personal_weight)

        def above(values: np.ndarray | None) -> bool | None:
            return None if values is None else bool(values[ia] > values[ib])

        ahead: dict[str, bool | None] = {
            "bm25": above(s.bm25),
            "dense": above(s.dense),
            "fused": above(s.fused),
            "ranker": above(s.ranked),
            "personalised": above(pers) if s.personal is not None else None,
            "final": pos[a] < pos[b],
        }
        passes_at = stage_where_ahead(ahead)
        words = ", ".join(
            f"{st}: {'ahead' if v else 'behind'}" for st, v in ahead.items() if v is not None
        )
        if passes_at is None:
            text = f"{a} stays below {b} ({words})"
        else:
            text = f"{a} is above {b} from the {passes_at} stage on ({words})"
        return Comparison(query=query, a=a, b=b, passes_at=passes_at, ahead_by_stage=ahead, explanation=text)
