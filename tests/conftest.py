"""Shared fixtures: paths of the Rasa project."""

from pathlib import Path

import pytest

from lotse import PROJECT_ROOT


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root."""
    return PROJECT_ROOT
