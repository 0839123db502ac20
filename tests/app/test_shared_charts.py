"""Charts shared by sessions (issue 29, part 1): a chart built from equal arguments is built
once for every session; other arguments (another period, other data) build another one; the
shared figure is never changed by showing it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from monev.ui import charts_capaian as cc
from monev.ui import components

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Count the builds of Ringkasan's three charts."""
    counts: Counter = Counter()
    for name in ("capaian_bars", "band_count_bars", "running_bars"):
        original = getattr(cc, name)

        def counted(*args: object, _f=original, _n=name, **kwargs: object) -> go.Figure:
            counts[_n] += 1
            return _f(*args, **kwargs)

        counted.__qualname__ = original.__qualname__
        counted.__module__ = original.__module__
        monkeypatch.setattr(cc, name, counted)
    return counts


def _ringkasan() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("pages/ringkasan.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_two_sessions_share_each_chart(demo_db: Path, builds: Counter) -> None:
    first = _ringkasan()
    assert builds == {"capaian_bars": 1, "band_count_bars": 1, "running_bars": 1}
    second = _ringkasan()
    first.run()
    # Three views of the same page and data: each chart was built once, and every view sent
    # the same figure (showing it did not change it: titles were wrapped once, not again).
    assert builds == {"capaian_bars": 1, "band_count_bars": 1, "running_bars": 1}
    assert _specs(first) == _specs(second)
    titles = [s["layout"]["title"]["text"] for s in _specs(second)]
    assert all(t.count("<br>") <= 2 for t in titles), titles
    # Another period is another figure.
    second.sidebar.selectbox(key="_w_filter_tw").set_value(2).run()
    assert not second.exception
    assert builds["capaian_bars"] == 2 and builds["running_bars"] == 2
    assert _specs(second) != _specs(first)


def test_the_key_follows_the_data() -> None:
    """Equal tables share a figure; a table with one value changed, or a column of dicts
    (which pandas cannot hash), gets its own."""
    calls: list[int] = []

    def bars(frame: pd.DataFrame, title: str) -> go.Figure:
        calls.append(1)
        return go.Figure(go.Bar(x=list(frame["x"]), y=[1] * len(frame)),
                         layout={"title": {"text": title}})

    key = components._frame_key
    a = pd.DataFrame({"x": ["A", "B"], "v": [1.0, 2.0]})
    assert key(a) == key(a.copy())
    assert key(a) != key(a.assign(v=[1.0, 2.5]))
    assert key(a) != key(a.rename(columns={"v": "w"}))
    odd = a.assign(meta=[{"k": 1}, {"k": 2}])
    assert key(odd) != key(a.assign(meta=[{"k": 1}, {"k": 3}]))
    fig = components._shared_chart("t.bars", (a, "judul"), (), 1, bars)
    again = components._shared_chart("t.bars", (a.copy(), "judul"), (), 1, bars)
    assert fig is again and len(calls) == 1
    components._shared_chart("t.bars", (a.assign(v=[9.0, 9.0]), "judul"), (), 1, bars)
    assert len(calls) == 2


def test_a_styled_table_is_rendered_once_as_style_map_would_render_it() -> None:
    """components.styled gives Streamlit the CSS and cell texts that ``table.style.map`` gives
    it, rendered once for equal tables; another value is another rendering."""
    from streamlit.elements.lib.pandas_styler_utils import marshall_styler
    from streamlit.proto.ArrowData_pb2 import ArrowData as Arrow

    from monev.ui import charts_wilayah as cw

    table = pd.DataFrame({"Wilayah": ["Kab. A", "Kab. B", "Kab. C"],
                          "Capaian": ["101,2% · ST", "40,0% · SR", "Belum ada data"]})
    shown = components.styled(table, "uji", cw.band_css, table, ("Capaian",))
    again = components.styled(table.copy(), "uji", cw.band_css, table.copy(), ("Capaian",))
    assert shown is again

    def marshalled(styler: object) -> Arrow:
        proto = Arrow()
        marshall_styler(proto, styler, "unused")
        return proto

    plain = table.style.map(cw.band_cell_style, subset=["Capaian"]).set_uuid("T_uji")
    ours, theirs = marshalled(shown), marshalled(plain)
    assert ours.styler.styles == theirs.styler.styles and "#0072B2" in ours.styler.styles
    assert ours.styler.display_values == theirs.styler.display_values
    assert marshalled(shown).styler.styles == ours.styler.styles      # shown again: the same
    other = table.assign(Capaian=["40,0% · SR", "101,2% · ST", "Belum ada data"])
    moved = components.styled(other, "uji", cw.band_css, other, ("Capaian",))
    assert moved is not shown and marshalled(moved).styler.styles != ours.styler.styles
