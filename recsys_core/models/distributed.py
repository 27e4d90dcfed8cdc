"""Multi-process training of the sequence model: ``torchrun --nproc_per_node=N -m
recsys_core.models.distributed --sequences FILE --out DIR`` (gloo backend, CPU).

Every process reads the same file and builds the same split; :mod:`training` shards each
batch across processes and DistributedDataParallel averages the gradients. Rank 0 writes
the model bundle and a JSON summary (validation NDCG@10, loss curve) to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from pathlib import Path

from recsys_core.models.artifacts import save_bundle

KIND = "shelfwise.sequence-model"


def run(sequences: str, out: str, overrides: dict[str, object]) -> dict[str, object]:
    """Train on ``sequences`` (Beauty.txt format) in this process group; rank 0 saves."""
    import torch.distributed as dist

    from recsys_core.data.adapters import load_sequences
    from recsys_core.models.evaluation import evaluate_scorer
    from recsys_core.models.sequence import SequenceScorer
    from recsys_core.models.splits import from_sequences, leave_one_out

    started = False
    if "WORLD_SIZE" in os.environ and not dist.is_initialized():
        dist.init_process_group("gloo")
        started = True
    try:
        split = leave_one_out(from_sequences(load_sequences(sequences)))
        model = SequenceScorer(**overrides).fit(split.train, validation=split.validation.as_pair())
        summary: dict[str, object] = {}
        if not dist.is_initialized() or dist.get_rank() == 0:
            val, _ = evaluate_scorer(model.score, split.validation.histories, split.validation.targets)
            summary = {
                "world_size": dist.get_world_size() if dist.is_initialized() else 1,
                "validation": val.as_dict(),
                "history": model.training_history_,
            }
            config, tensors = model.state()
            save_bundle(Path(out) / "sequence", kind=KIND, config=config, tensors=tensors)
            from recsys_core.workspace import atomic_write_json

            atomic_write_json(Path(out) / "summary.json", summary)
        return summary
    finally:
        if started:
            dist.destroy_process_group()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sequences", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--config", default="{}", help="JSON of SequenceConfig overrides")
    args = parser.parse_args(argv)
    run(args.sequences, args.out, json.loads(args.config))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
