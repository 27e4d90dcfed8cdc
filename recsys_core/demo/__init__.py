"""The built-in demo shop: a deterministic, realistic synthetic store with known ground truth.

``generate_demo_shop(seed)`` returns the shop's frames and a JSON-ready ground-truth dict
(latent segments, injected trends, the promotion, stock-outs); ``write_demo_shop(dir, seed)``
writes them as ingestable files plus ``ground_truth.json``.
"""

from recsys_core.demo.errors import DemoConfigError
from recsys_core.demo.generate import GROUND_TRUTH_FILE, generate_demo_shop, write_demo_shop

__all__ = ["GROUND_TRUTH_FILE", "DemoConfigError", "generate_demo_shop", "write_demo_shop"]
