"""Lotse: guidance towards the recognition of foreign qualifications in Germany."""

from pathlib import Path

__version__ = "0.1.0"

#: The repository root: the package is installed editable, so bot/ and knowledge/ sit beside it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
