"""``python -m benchmarks [--quick]``: see :mod:`benchmarks.run`."""

from .run import main

if __name__ == "__main__":
    main()
