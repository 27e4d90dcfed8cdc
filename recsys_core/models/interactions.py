"""Per-user interaction sequences on item indexes: what every scorer is fitted on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recsys_core.models.errors import EmptyDataError
from recsys_core.models.idmap import IdMap


@dataclass
class Interactions:
    """Users' item sequences in time order, with optional per-event weights and times.

    ``weights[u][t]`` is the event-type weight of event ``t`` (purchase > cart > click...);
    ``times[u][t]`` its unix time in seconds (None when the data has no clock, e.g. Beauty).
    ``item_text`` is the (n_items, 384) text-embedding matrix when item text is known.
    """

    items: IdMap
    users: IdMap
    sequences: list[np.ndarray]
    weights: list[np.ndarray] | None = None
    times: list[np.ndarray] | None = None
    item_text: np.ndarray | None = None
    item_meta: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.sequences) != len(self.users):
            raise EmptyDataError(f"{len(self.sequences)} sequences for {len(self.users)} users; they must match")

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_users(self) -> int:
        return len(self.users)

    def n_events(self) -> int:
        return int(sum(len(s) for s in self.sequences))

    def require_events(self) -> None:
        if self.n_events() == 0:
            raise EmptyDataError("no interactions to fit on; load a shop with events first")

    def item_counts(self) -> np.ndarray:
        if self.n_events() == 0:
            return np.zeros(self.n_items, dtype=np.float64)
        return np.bincount(np.concatenate(self.sequences), minlength=self.n_items).astype(np.float64)

    def user_item_matrix(self, *, binary: bool = True):
        """Sparse CSR (n_users, n_items) of interaction counts (or 0/1)."""
        from scipy import sparse

        rows = np.repeat(np.arange(self.n_users), [len(s) for s in self.sequences])
        cols = np.concatenate(self.sequences) if self.sequences else np.zeros(0, dtype=np.int64)
        mat = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(self.n_users, self.n_items))
        mat.sum_duplicates()
        if binary:
            mat.data[:] = 1.0
        return mat

    def truncate(self, drop_last: int) -> Interactions:
        """The same users with the last ``drop_last`` events of every sequence removed."""
        cut = (lambda arr: arr[: max(len(arr) - drop_last, 0)]) if drop_last else (lambda arr: arr)
        return Interactions(
            items=self.items,
            users=self.users,
            sequences=[cut(s) for s in self.sequences],
            weights=[cut(w) for w in self.weights] if self.weights is not None else None,
            times=[cut(t) for t in self.times] if self.times is not None else None,
            item_text=self.item_text,
            item_meta=self.item_meta,
        )
