"""The domain layer stays pure: importing it pulls in no streamlit, duckdb or plotly."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("settings", "setting_text", "text", "capaian", "bands", "accumulation", "workdays",
           "village", "flags", "rollup")


def test_domain_imports_no_ui_or_database() -> None:
    imports = "; ".join(f"import monev.domain.{m}" for m in MODULES)
    code = (f"import sys; {imports}; "
            "bad = [m for m in ('streamlit', 'duckdb', 'plotly') if m in sys.modules]; "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_every_public_function_is_documented() -> None:
    import importlib
    import inspect

    for name in MODULES:
        module = importlib.import_module(f"monev.domain.{name}")
        for attr, obj in vars(module).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                assert (obj.__doc__ or "").strip(), f"{name}.{attr} has no docstring"
