"""Fixtures of the evaluation tests: the app fixtures of tests/app (signed-in AppTest, the
demo database copied per test, clean Streamlit caches)."""

from tests.app.conftest import (  # noqa: F401 - fixtures, used by name
    _clear_streamlit_caches,
    _navigation_mode,
    _signed_in,
    demo_db,
    demo_db_built,
    mp_db,
)
