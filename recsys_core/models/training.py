"""Training loop of the sequence model: validation early stopping, TensorBoard, optional DDP.

Under ``torchrun --nproc_per_node=N`` (gloo on CPU) each process takes every N-th row of
each global batch and DistributedDataParallel averages the gradients, so N processes
follow the same trajectory as one (up to dropout noise and float summation order).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from recsys_core.models.base import Histories
from recsys_core.models.interactions import Interactions
from recsys_core.models.sequence_net import SequenceConfig, build_network, pad_left


def _distributed() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def training_windows(sequences: Histories, max_len: int) -> np.ndarray:
    """(users, max_len + 1) token windows: inputs are [:, :-1], targets [:, 1:]."""
    usable = [s for s in sequences if len(s) >= 2]
    return pad_left(usable, max_len + 1)


def softmax_loss(hidden: Any, targets: Any, table: Any, negatives: int, gen: Any) -> Any:
    """Summed cross-entropy of next-item tokens: over all items, or ``negatives`` shared
    uniform negatives plus the true item (sampled softmax) when ``negatives`` > 0."""
    import torch
    import torch.nn.functional as F

    if negatives <= 0 or negatives >= table.shape[0] - 1:
        return F.cross_entropy(hidden @ table[1:].T, targets - 1, reduction="sum")
    neg = torch.randint(1, table.shape[0], (negatives,), generator=gen)
    pos_logit = (hidden * table[targets]).sum(dim=1, keepdim=True)
    neg_logits = hidden @ table[neg].T
    neg_logits = neg_logits.masked_fill(neg.unsqueeze(0) == targets.unsqueeze(1), float("-inf"))
    logits = torch.cat([pos_logit, neg_logits], dim=1)
    return F.cross_entropy(logits, torch.zeros(len(targets), dtype=torch.long), reduction="sum")


def _over_budget(cfg: Any, started: float, cpu_started: float) -> bool:
    return (time.perf_counter() - started > cfg.max_train_seconds
            or time.process_time() - cpu_started > cfg.max_train_cpu_seconds)


def length_buckets(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of similar-length sequences (little padding), in random order each epoch."""
    order = np.lexsort((rng.random(len(lengths)), lengths))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def _validation_ndcg(net: Any, histories: Histories, targets: np.ndarray, max_len: int,
                     rank: int, world: int) -> float:
    """Mean NDCG@10 over this rank's share of validation users, summed across ranks."""
    import torch

    from recsys_core.models.evaluation import target_ranks

    net.eval()
    total, count = 0.0, 0
    idx = np.arange(rank, len(targets), world)
    with torch.inference_mode():
        emb = net.item_emb.weight[1:]
        for start in range(0, len(idx), 1024):
            sel = idx[start:start + 1024]
            hist = [histories[i] for i in sel]
            width = max(1, min(max_len, max(len(x) for x in hist)))
            h = net(torch.from_numpy(pad_left(hist, width)))[:, -1]
            ranks = target_ranks((h @ emb.T).numpy(), targets[sel], hist)
            total += float(np.where(ranks < 10, 1.0 / np.log2(ranks + 2.0), 0.0).sum())
            count += len(sel)
    net.train()
    if world > 1:
        import torch.distributed as dist

        buf = torch.tensor([total, float(count)], dtype=torch.float64)
        dist.all_reduce(buf)
        total, count = float(buf[0]), float(buf[1])
    return total / max(count, 1)


def train_sequence_model(cfg: SequenceConfig, data: Interactions, *,
                         init_embeddings: np.ndarray | None = None,
                         validation: tuple[Histories, np.ndarray] | None = None,
                         log_dir: str | None = None) -> tuple[Any, list[dict[str, float]]]:
    """Train a network set up by ``cfg`` on ``data``, its item embeddings starting from
    ``init_embeddings`` (n_items, dim) when given; returns the best network and the epoch log."""
    import torch
    from tqdm.auto import tqdm

    rank, world = _distributed()
    torch.manual_seed(cfg.seed)
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    net = build_network(data.n_items + 1, cfg)
    if init_embeddings is not None:
        with torch.no_grad():
            net.item_emb.weight[1:] = torch.from_numpy(init_embeddings)
            net.item_emb.weight[0] = 0.0
    wrapped = net
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        wrapped = DistributedDataParallel(net)
    optim = torch.optim.Adam(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if validation is not None and len(validation[1]) > cfg.val_users:
        pick = np.random.default_rng(cfg.seed + 1).choice(len(validation[1]), cfg.val_users, replace=False)
        validation = ([validation[0][i] for i in pick], np.asarray(validation[1])[pick])
    windows = torch.from_numpy(training_windows(data.sequences, cfg.max_len))
    writer = None
    if log_dir and rank == 0:
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(log_dir)
    rng = np.random.default_rng(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed + 17 * rank)
    best, best_state, bad, history = -1.0, None, 0, []
    started, cpu_started = time.perf_counter(), time.process_time()
    lengths = (windows > 0).sum(dim=1).numpy()
    bar = tqdm(range(cfg.max_epochs), desc="sequence model", disable=rank != 0, leave=False)
    for epoch in bar:
        net.train()
        loss_sum, loss_n = 0.0, 0
        out_of_time = False
        for rows in length_buckets(lengths, cfg.batch_size, rng):
            if world == 1 and _over_budget(cfg, started, cpu_started):
                out_of_time = True  # stop mid-epoch; processes of a group stop at epoch ends
                break
            full = windows[rows]
            full = full[:, -int(lengths[rows].max()):]  # drop all-padding columns
            batch = full[rank::world]
            inputs, targets = batch[:, :-1], batch[:, 1:]
            hidden = wrapped(inputs)
            valid = targets > 0
            # mean over the global batch's positions keeps DDP's gradient average exact
            loss = softmax_loss(hidden[valid], targets[valid], net.item_emb.weight, cfg.negatives, gen)
            n_global = int((full[:, 1:] > 0).sum())
            optim.zero_grad(set_to_none=True)
            (loss * world / max(n_global, 1)).backward()
            optim.step()
            loss_sum += float(loss.detach())
            loss_n += int(valid.sum())
        if world > 1:  # log the loss over the whole batch, not this process's share
            import torch.distributed as dist

            buf = torch.tensor([loss_sum, float(loss_n)], dtype=torch.float64)
            dist.all_reduce(buf)
            loss_sum, loss_n = float(buf[0]), int(buf[1])
        entry: dict[str, float] = {"epoch": epoch + 1, "loss": loss_sum / max(loss_n, 1),
                                   "seconds": time.perf_counter() - started,
                                   "cpu_seconds": time.process_time() - cpu_started}
        stop = out_of_time or _over_budget(cfg, started, cpu_started)
        last = stop or epoch + 1 == cfg.max_epochs
        if validation is not None and ((epoch + 1) % cfg.eval_every == 0 or last):
            ndcg = _validation_ndcg(net, validation[0], np.asarray(validation[1]), cfg.max_len, rank, world)
            entry["val_ndcg@10"] = ndcg
            if ndcg > best:
                best, bad = ndcg, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                bad += 1
                stop = stop or bad >= cfg.patience
        if world > 1:
            import torch.distributed as dist

            flag = torch.tensor([1.0 if stop else 0.0])
            dist.broadcast(flag, src=0)
            stop = bool(flag.item())
        history.append(entry)
        if writer is not None:
            for key, value in entry.items():
                if key != "epoch":
                    writer.add_scalar(f"sequence/{key}", value, epoch + 1)
        bar.set_postfix({k: round(v, 4) for k, v in entry.items() if k != "epoch"})
        if stop:
            break
    if writer is not None:
        writer.close()
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return net, history
