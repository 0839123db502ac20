"""The engine stays plain Python: no streamlit, no plotly; every public function documented."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import monev.engine

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(f"monev.engine.{m.name}" for m in pkgutil.iter_modules(monev.engine.__path__))


def test_engine_imports_neither_streamlit_nor_plotly() -> None:
    imports = "; ".join(f"import {m}" for m in ["monev.engine", *MODULES])
    code = (f"import sys; {imports}; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly')]; "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr


def test_every_public_function_is_documented() -> None:
    missing = []
    for name in [*MODULES, "monev.store.facts"]:
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                if not (obj.__doc__ or "").strip():
                    missing.append(f"{name}.{attr}")
                if inspect.isclass(obj):
                    missing += [f"{name}.{attr}.{m}" for m, f in vars(obj).items()
                                if inspect.isfunction(f) and not m.startswith("_")
                                and not (f.__doc__ or "").strip()]
    assert not missing, missing


def test_store_facts_binds_every_value() -> None:
    """No f-string in facts.py interpolates a caller's value: only fixed fragments and names
    checked against the schema (trace)."""
    source = (ROOT / "monev" / "store" / "facts.py").read_text(encoding="utf-8")
    assert "{region" not in source and "{year" not in source and "{cutoff" not in source
