"""Building :class:`Interactions` from sequence files or a shop, and evaluation splits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from recsys_core.models.idmap import IdMap
from recsys_core.models.interactions import Interactions

# how strongly each event type says "the user wants this item" (content profile alpha_t)
EVENT_WEIGHTS: dict[str, float] = {"view": 1.0, "click": 1.0, "add_to_cart": 2.0, "purchase": 3.0}


@dataclass
class HeldOut:
    """Histories (item indexes) and the next item of each evaluated user."""

    users: np.ndarray
    histories: list[np.ndarray]
    targets: np.ndarray

    def as_pair(self) -> tuple[list[np.ndarray], np.ndarray]:
        return self.histories, self.targets


@dataclass
class Split:
    train: Interactions
    validation: HeldOut
    test: HeldOut


def from_sequences(sequences: Mapping[str, Sequence[str]], *, item_ids: Sequence[str] = (),
                   item_text: np.ndarray | None = None,
                   item_meta: Mapping[str, list[str]] | None = None) -> Interactions:
    """Interactions from ``{user: [item, ...]}`` (Beauty.txt format); ``item_ids`` fixes the
    catalogue order (items only in sequences are appended after it)."""
    items = IdMap(item_ids, kind="item")
    users = IdMap(kind="user")
    seqs = []
    for user, row in sequences.items():
        users.extend([user])
        seqs.append(np.asarray(items.extend(row), dtype=np.int64))
    if item_text is not None and len(items) > len(item_text):
        item_text = np.vstack([item_text, np.zeros((len(items) - len(item_text), item_text.shape[1]), np.float32)])
    return Interactions(items=items, users=users, sequences=seqs, item_text=item_text,
                        item_meta=dict(item_meta or {}))


def from_events(events, products, *, item_text: np.ndarray | None = None) -> Interactions:
    """Interactions from shop frames: positive events per user in time order, repeats of
    the same item in a row merged (keeping the strongest event type)."""
    import pandas as pd

    items = IdMap(products["item_id"].astype(str).tolist(), kind="item")
    ev = events[events["type"].isin(list(EVENT_WEIGHTS)) & events["user_id"].notna() & events["item_id"].notna()]
    ev = ev[ev["item_id"].astype(str).isin(set(items.to_list()))]
    ev = ev.sort_values(["user_id", "timestamp"], kind="stable")
    users = IdMap(kind="user")
    seqs, weights, times = [], [], []
    # seconds since the epoch, whatever the frame's datetime resolution (ns, us...)
    stamp = ((pd.to_datetime(ev["timestamp"], utc=True) - pd.Timestamp(0, tz="UTC"))
             / pd.Timedelta(seconds=1)).to_numpy(dtype=np.float64)
    uid = ev["user_id"].astype(str).to_numpy()
    iid = items.indexes(ev["item_id"].astype(str).tolist())
    wt = ev["type"].map(EVENT_WEIGHTS).astype(float).to_numpy()
    bounds = np.flatnonzero(np.r_[True, uid[1:] != uid[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        it, w, t = iid[a:b], wt[a:b], stamp[a:b]
        keep = np.r_[True, it[1:] != it[:-1]]
        groups = np.cumsum(keep) - 1
        merged_w = np.zeros(keep.sum())
        np.maximum.at(merged_w, groups, w)
        users.extend([uid[a]])
        seqs.append(it[keep].astype(np.int64))
        weights.append(merged_w)
        times.append(t[keep].astype(np.float64))
    meta = {col: products[col].astype(str).tolist() for col in ("category", "brand") if col in products}
    return Interactions(items=items, users=users, sequences=seqs, weights=weights, times=times,
                        item_text=item_text, item_meta=meta)


def leave_one_out(data: Interactions, *, min_events: int = 3) -> Split:
    """Last item = test, second-last = validation, the rest = training (S3-Rec protocol).

    Users with fewer than ``min_events`` events stay in training only.
    """
    train = data.truncate(0)
    val_u, val_h, val_t, test_u, test_h, test_t = [], [], [], [], [], []
    cut_seqs, cut_w, cut_t = [], [], []
    for u, seq in enumerate(data.sequences):
        drop = 2 if len(seq) >= min_events else 0
        cut_seqs.append(seq[: len(seq) - drop])
        if data.weights is not None:
            cut_w.append(data.weights[u][: len(seq) - drop])
        if data.times is not None:
            cut_t.append(data.times[u][: len(seq) - drop])
        if drop:
            val_u.append(u)
            val_h.append(seq[:-2])
            val_t.append(seq[-2])
            test_u.append(u)
            test_h.append(seq[:-1])
            test_t.append(seq[-1])
    train.sequences = cut_seqs
    train.weights = cut_w if data.weights is not None else None
    train.times = cut_t if data.times is not None else None
    return Split(
        train=train,
        validation=HeldOut(np.asarray(val_u, dtype=np.int64), val_h, np.asarray(val_t, dtype=np.int64)),
        test=HeldOut(np.asarray(test_u, dtype=np.int64), test_h, np.asarray(test_t, dtype=np.int64)),
    )


def temporal_split(data: Interactions, *, cutoff: float, validation_cutoff: float) -> Split:
    """Global-time split: events before ``validation_cutoff`` train; the first event in
    [validation_cutoff, cutoff) is each user's validation item and the first at/after
    ``cutoff`` the test item (histories = everything before it)."""
    if data.times is None:
        from recsys_core.models.errors import ModelConfigError

        raise ModelConfigError("temporal_split needs event times; use leave_one_out for sequence files")
    train = data.truncate(0)
    train.sequences, train.weights, train.times = [], [] if data.weights is not None else None, []
    held: dict[str, list] = {k: [] for k in ("vu", "vh", "vt", "tu", "th", "tt")}
    for u, (seq, t) in enumerate(zip(data.sequences, data.times, strict=True)):
        n_train = int((t < validation_cutoff).sum())
        train.sequences.append(seq[:n_train])
        train.times.append(t[:n_train])
        if train.weights is not None:
            train.weights.append(data.weights[u][:n_train])
        in_val = np.flatnonzero((t >= validation_cutoff) & (t < cutoff))
        if len(in_val) and n_train:
            held["vu"].append(u)
            held["vh"].append(seq[:n_train])
            held["vt"].append(seq[in_val[0]])
        after = np.flatnonzero(t >= cutoff)
        if len(after) and after[0] > 0:
            held["tu"].append(u)
            held["th"].append(seq[: after[0]])
            held["tt"].append(seq[after[0]])
    arr = lambda x: np.asarray(x, dtype=np.int64)  # noqa: E731
    return Split(train=train, validation=HeldOut(arr(held["vu"]), held["vh"], arr(held["vt"])),
                 test=HeldOut(arr(held["tu"]), held["th"], arr(held["tt"])))
