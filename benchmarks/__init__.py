"""``make bench``: the benchmarks, run as modules from the repository root (``python -m benchmarks.run``).

Run that way, the root is on ``sys.path``, so ``benchmarks.*`` and the browser driver ``labdriver`` import
by name; nothing here edits ``sys.path``.
"""

__all__: list[str] = []
