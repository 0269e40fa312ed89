"""Benchmarks of somcolor side by side with its anchors (see ``run.py``)."""
