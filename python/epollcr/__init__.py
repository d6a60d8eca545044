"""The project's Python: scenario tools, coverage gate, benchmark report,
kernel-log scan and the KTAP unittest runner.  Standard library only.

Run with the package root on the path, as the scripts do:
    PYTHONPATH=$TOP/python python3 -m epollcr.MODULE ...
"""
from __future__ import annotations

from pathlib import Path

# The repository top: python/epollcr/__init__.py -> python/ -> TOP.
TOP = Path(__file__).resolve().parent.parent.parent
