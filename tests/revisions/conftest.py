"""The app fixtures of tests/app (signed-in AppTest, clean caches, databases) for the
revision page tests."""

from tests.app.conftest import (  # noqa: F401 (fixtures, registered by import)
    _clear_streamlit_caches,
    _navigation_mode,
    _signed_in,
    demo_db,
    demo_db_built,
    mp_db,
)
