"""The served app on the code path before issue 29 part 1, as the benchmark's baseline.

``python -m bench.baseline run app.py …`` is ``streamlit run app.py …`` with four things of
the app put back as they were, in this process only, before Streamlit starts:

* every chart is built and fitted on every view (``components.fitted``), where the app
  builds each once for equal arguments and shares it (``components.chart``);
* what sign-ins change (the audit trail, accounts, settings) is read from the database on
  every view, where the app reads it once per write (``data.latest``);
* the pandas work a page does on the engine's frames is done on every view, where the app
  does it once per data version (``data.derived``, monev/ui/models.py);
* a coloured table is rendered by pandas on every view, where the app renders it once
  (``components.styled``).

The page scripts, the data cache and everything else are the app's own, so a served view
of each mode differs only by these (the pages were reorganised to call the models; the work
a baseline view does is the work a view did before). Not undone, so the true baseline was a
little dearer: the cheaper hashing of the rules (``data.by_pickle``) and of a chart's tables
(``components._frame_key``), and the sign-in that no longer empties every session's cache
(``data._version``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# The functions undo_part_one() replaces: (module name, attribute).
REPLACED = (("monev.ui.components", "_shared_chart"), ("monev.ui.components", "_shared_styler"),
            ("monev.ui.data", "_latest_call"), ("monev.ui.data", "_derived_call"))


@contextmanager
def part_one_undone() -> Iterator[None]:
    """The baseline code path inside the block, the app's own after it (bench/views.py)."""
    import importlib

    saved = [(importlib.import_module(m), a) for m, a in REPLACED]
    kept = [getattr(module, attr) for module, attr in saved]
    undo_part_one()
    try:
        yield
    finally:
        for (module, attr), value in zip(saved, kept, strict=True):
            setattr(module, attr, value)


def undo_part_one() -> None:
    """Put the four things back as they were (see the module text)."""
    from monev.ui import components, data

    def per_view(name: str, args: tuple, kwargs: tuple, columns: int,
                 _build: Callable[..., Any]) -> Any:
        return components.fitted(_build, args, kwargs, columns)

    def uncached(name: str, args: tuple, stamp: tuple, writes: int, path: str,
                 _fn: Callable[..., Any]) -> Any:
        return data.read(_fn, *args, path=Path(path))

    def every_view(name: str, args: tuple, version: str, _fn: Callable[..., Any]) -> Any:
        return _fn(*args)

    def styled_per_view(name: str, table: Any, args: tuple, uuid: str,
                        _css: Callable[..., Any]) -> Any:
        css = _css(*args)
        return table.style.set_uuid(uuid).apply(lambda _: css, axis=None)

    components._shared_chart = per_view  # type: ignore[assignment]
    components._shared_styler = styled_per_view  # type: ignore[assignment]
    data._latest_call = uncached  # type: ignore[assignment]
    data._derived_call = every_view  # type: ignore[assignment]


if __name__ == "__main__":
    undo_part_one()
    from streamlit.web.cli import main

    sys.exit(main())
