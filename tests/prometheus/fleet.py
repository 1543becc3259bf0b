"""What the Prometheus tests share with the integration tests: the
collector process (tests/integration/collector_proc.py) and --build-dir."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from collector_proc import Collector  # noqa: E402,F401

__all__ = ["Collector", "build_dir_from_argv"]


def build_dir_from_argv():
    """--build-dir DIR from the command line (ctest passes it), else ../../build."""
    if "--build-dir" in sys.argv:
        i = sys.argv.index("--build-dir")
        path = sys.argv[i + 1]
        del sys.argv[i:i + 2]
        return os.path.abspath(path)
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "build"))
