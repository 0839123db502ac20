"""Security test fixtures: every test starts with a sign-in guard that remembers nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from monev import auth


@pytest.fixture(autouse=True)
def _fresh_sign_in_guard() -> Iterator[None]:
    """The process-wide guard of failed sign-ins (monev.auth.GUARD), emptied around a test."""
    auth.GUARD.clear()
    yield
    auth.GUARD.clear()
