"""Benchmark scripts and what they share; never imported by the product packages.

Each script runs as ``.venv/bin/python benchmarks/NAME.py``, prints a table and writes its JSON
through ``benchmarks.results.write_result``: ``benchmarks/results/NAME.json`` in the checkout
and, given ``--workspace W``, ``W/reports/benchmarks/NAME.json``, which the app's Data & models
tab lists. ``benchmarks.loadtest`` is the load generator that ``benchmarks/load.py`` and the
short CI load test (tests/test_load_short.py) share.
"""
