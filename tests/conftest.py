"""Shared fixtures: an empty database, and one with the test masterplan loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import MP_AT, Env, masterplan_bytes


@pytest.fixture
def env(tmp_path: Path):
    """An empty database with schema and reference data."""
    e = Env(tmp_path / "monev.duckdb")
    yield e
    e.close()


@pytest.fixture
def mp_env(env: Env):
    """A database with the test masterplan loaded."""
    result = env.load(masterplan_bytes(), "masterplan.xlsx", at=MP_AT,
                      received_on=MP_AT.date())
    assert result.status == "loaded", result.issues
    return env

