"""One object owning the mapping between external ids (SKU, user) and row indexes."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from recsys_core.errors import UnknownIdError


class IdMap:
    """Bidirectional map ``external id (str) <-> index (0..n-1)`` in first-seen order."""

    def __init__(self, ids: Iterable[object] = (), *, kind: str = "item") -> None:
        self.kind = kind
        self._ids: list[str] = []
        self._index: dict[str, int] = {}
        self.extend(ids)

    def extend(self, ids: Iterable[object]) -> list[int]:
        """Add unseen ids at the end; returns the index of every given id."""
        out = []
        for raw in ids:
            key = str(raw)
            idx = self._index.get(key)
            if idx is None:
                idx = len(self._ids)
                self._index[key] = idx
                self._ids.append(key)
            out.append(idx)
        return out

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, value: object) -> bool:
        return str(value) in self._index

    def index(self, value: object) -> int:
        """Index of one external id; ``UnknownIdError`` names the id and this mapping."""
        try:
            return self._index[str(value)]
        except KeyError:
            raise UnknownIdError(self.kind, value, f"the {self.kind} id map ({len(self)} ids)") from None

    def indexes(self, values: Iterable[object], *, skip_unknown: bool = False) -> np.ndarray:
        """Indexes of many ids; unknown ids raise unless ``skip_unknown``."""
        if skip_unknown:
            return np.asarray([self._index[str(v)] for v in values if str(v) in self._index], dtype=np.int64)
        return np.asarray([self.index(v) for v in values], dtype=np.int64)

    def id(self, index: int) -> str:
        """External id of one index."""
        if not 0 <= int(index) < len(self._ids):
            raise UnknownIdError(f"{self.kind} index", index, f"the {self.kind} id map ({len(self)} ids)")
        return self._ids[int(index)]

    def ids(self, indexes: Iterable[int] | None = None) -> list[str]:
        """External ids of the given indexes (all ids when None)."""
        if indexes is None:
            return list(self._ids)
        return [self.id(i) for i in indexes]

    def to_list(self) -> list[str]:
        return list(self._ids)
