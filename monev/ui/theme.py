"""The look of every chart: band colours, a plotly template for projectors, finding titles.

Charts are read on a projector in a meeting room: large fonts (18 px body, 26 px title), a
white background, few colours (the band palette, one accent, greys) and a title that states
the finding ("3 dari 6 dimensi di bawah target"), not the chart type. Pass ``theme=None`` to
``st.plotly_chart`` (``components.show_figure`` does) so Streamlit keeps this template.
``fit_heading`` and ``fit_bar_labels`` fit a chart to the narrowest width it is drawn at
(``CHART_PX``): Plotly wraps no title and lets a bar's label run past the chart's edge.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from numbers import Real

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from monev.domain.bands import BANDS, Band

# "Source Sans" is the face Streamlit serves (1.67: SourceSansVF); older Streamlit named it
# "Source Sans Pro". Without it chromium fell back to DejaVu Sans, a fifth wider.
FONT_FAMILY = '"Source Sans", "Source Sans Pro", "DejaVu Sans", Arial, sans-serif'
BASE_FONT_PX = 18
TITLE_FONT_PX = 26
TEXT = "#1F2937"
GRID = "#E5E7EB"
ACCENT = "#1F4E79"       # the template header blue of the workbooks
MUTED = "#9CA3AF"
TEMPLATE_NAME = "monev"
TITLE_PAD_PX = 8         # the title's first line below the figure's top edge, at any height
# Plotly's line height for multi-line text (plotly.js LINE_SPACING), in em.
LINE_EM = 1.3
CAP_SHIFT_EM = 0.7       # plotly.js CAP_SHIFT: how far a top-anchored line sits below its y
# The narrowest a chart is drawn: in the main column of a 1280 px laptop or projector with
# the sidebar open (measured in chromium), and as one of two side by side, which stack below
# that width (components.side_by_side).
CHART_PX = {1: 763, 2: 500}
# Advance widths of Source Sans in em (chromium, canvas measureText), rounded up; other
# characters count 0.55 em, capitals 0.62.
_EM = {**dict.fromkeys(" ", 0.2), **dict.fromkeys(",.:;'|ijlI·", 0.26),
       **dict.fromkeys("()[]{}-frt/!", 0.35), **dict.fromkeys("csz*?\"xvykJYLF", 0.49),
       **dict.fromkeys("0123456789aeg–+=#$_~<>", 0.5),
       **dict.fromkeys("%mwMW@—…", 0.85)}
_TAG = re.compile(r"<[^>]+>")

# The page frame for the screens people use (1280×720 laptops, 1024×768 projectors): the
# title right under the top bar instead of ~110 px below it, side margins of 2 rem instead
# of 5, a 250 px sidebar instead of 340 (it still collapses with its button; the filters keep
# their choice in the session, so nothing is lost). Added to the page by components.global_style.
SIDEBAR_PX = 272
SCREEN_CSS = """
[data-testid="stMainBlockContainer"] {
  padding-top: 2.6rem !important; padding-left: 2rem !important; padding-right: 2rem !important;
  padding-bottom: 4rem !important; }
[data-testid="stSidebar"][data-collapsed="false"] {
  width: @SIDE@px !important; min-width: @SIDE@px !important; max-width: @SIDE@px !important; }
[data-testid="stSidebarHeader"] { height: 2.5rem; margin-bottom: 0; padding-top: 0.5rem; }
[data-testid="stSidebarContent"] { padding-left: 0.3rem !important;
  padding-right: 0.3rem !important; }
[data-testid="stSidebarUserContent"] { padding-left: 0.8rem !important;
  padding-right: 0.8rem !important; }
[data-testid="stSidebarNav"] { padding-left: 0.2rem; padding-right: 0.2rem; }
[data-testid="stMain"] h1 { padding-top: 0.25rem; }
""".replace("@SIDE@", str(SIDEBAR_PX))

BAND_COLORS: dict[str, str] = {b.code: b.color for b in BANDS}
BAND_TEXT_COLORS: dict[str, str] = {b.code: b.text_color for b in BANDS}
BAND_ORDER: tuple[str, ...] = tuple(b.code for b in BANDS)


def band_color_map(by: str = "caption") -> dict[str, str]:
    """Band colour by 'code', 'label' or 'caption' (for plotly's color_discrete_map)."""
    def key(b: Band) -> str:
        return {"code": b.code, "label": b.label}.get(by, b.caption)
    return {key(b): b.color for b in BANDS}


def template() -> go.layout.Template:
    """The plotly template: white, large type, Indonesian number separators, few colours."""
    axis = {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": MUTED,
            "title": {"font": {"size": BASE_FONT_PX}}, "tickfont": {"size": BASE_FONT_PX},
            "automargin": True}
    return go.layout.Template(layout={
        "font": {"family": FONT_FAMILY, "size": BASE_FONT_PX, "color": TEXT},
        "title": {"font": {"size": TITLE_FONT_PX, "color": TEXT}, "x": 0, "xanchor": "left",
                  "y": 1, "yanchor": "top", "pad": {"t": TITLE_PAD_PX}},
        "paper_bgcolor": "#FFFFFF", "plot_bgcolor": "#FFFFFF",
        "colorway": [ACCENT, "#E69F00", "#009E73", MUTED, "#CC79A7", "#56B4E9"],
        "separators": ",.",   # decimal comma, thousands dot (Indonesian)
        "xaxis": axis, "yaxis": axis,
        "legend": {"font": {"size": BASE_FONT_PX}, "orientation": "h", "y": -0.15,
                   "x": 0, "title": {"text": ""}},
        "hoverlabel": {"font": {"size": BASE_FONT_PX}},
        "margin": {"l": 10, "r": 10, "t": 90, "b": 10},
    })


def register() -> None:
    """Register the template under ``monev`` (idempotent; charts can refer to it by name)."""
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = template()


def figure_layout(fig: go.Figure, title: str, subtitle: str | None = None,
                  height: int | None = None) -> go.Figure:
    """Apply the template and a title that states the finding (with an optional subtitle)."""
    register()
    heading: dict[str, object] = {"text": title}
    if subtitle:
        heading["subtitle"] = {"text": subtitle, "font": {"size": BASE_FONT_PX, "color": MUTED}}
    fig.update_layout(template=TEMPLATE_NAME, title=heading)
    if height:
        fig.update_layout(height=height)
    return fig


def text_px(text: str, size_px: float) -> float:
    """The width of a line of plotly text in Source Sans at ``size_px`` (tags not counted)."""
    plain = _TAG.sub("", text)
    return size_px * sum(_EM.get(ch, 0.62 if ch.isupper() else 0.55) for ch in plain)


def wrap(text: str, size_px: float, width_px: float) -> list[str]:
    """Lines of at most ``width_px``: words kept whole, existing ``<br>`` breaks kept, and a
    line ends after a clause (';', ':', ',') when that still fills half of it."""
    lines: list[str] = []
    for part in re.split(r"<br\s*/?>", text):
        line: list[str] = []
        for word in part.split(" "):
            while line and text_px(" ".join([*line, word]), size_px) > width_px:
                cut = _clause_end(line, size_px, width_px / 2)
                lines.append(" ".join(line[:cut]))
                line = line[cut:]
            line.append(word)
        lines.append(" ".join(line))
    return lines


def _clause_end(words: list[str], size_px: float, least_px: float) -> int:
    """How many of ``words`` to keep on the line: up to the last clause end at least
    ``least_px`` wide, else all."""
    for i in range(len(words) - 1, 0, -1):
        if words[i - 1][-1:] in ";:," and text_px(" ".join(words[:i]), size_px) >= least_px:
            return i
    return len(words)


def plot_px(row_labels: list[str], columns: int = 1) -> float:
    """The estimated width of the plot of a chart drawn at ``CHART_PX[columns]`` with these
    row labels on its y axis: the chart less its longest label and the margins."""
    return CHART_PX[columns] - max((text_px(y, BASE_FONT_PX) for y in row_labels),
                                   default=0) - 40


def fit_bar_labels(fig: go.Figure, columns: int = 1) -> go.Figure:
    """Widen the value axis of horizontal bars so the labels beside them fit the narrowest
    width the chart is drawn at (``CHART_PX``), at most to 2.5 times its span.

    A label beside a bar (``textposition="outside"``, not clipped) starts where the bar ends,
    so a long bar's label ran past the chart's right edge on a narrow screen.
    """
    axis = fig.layout.xaxis
    bars = [t for t in fig.data if t.type == "bar" and t.orientation == "h" and t.base is None
            and t.x is not None and t.text is not None and not isinstance(t.text, str)]
    if not bars or axis.range is None or not all(isinstance(v, Real) for v in axis.range):
        return fig
    lo, hi = axis.range
    plot = plot_px([str(y) for t in bars for y in (t.y or ())], columns)
    need = hi
    for t in bars:
        size = t.textfont.size if isinstance(t.textfont.size, Real) else BASE_FONT_PX
        where = t.textposition
        for i, (x, label) in enumerate(zip(t.x, t.text, strict=True)):
            outside = (where[i] if isinstance(where, (list, tuple)) else where) == "outside"
            room = plot - text_px(str(label), size) - 8      # plotly's 3 px gap, and spare
            if outside and room > 0 and isinstance(x, Real) and x > lo:
                need = max(need, lo + (x - lo) * plot / room)
    if need > hi:
        axis.range = [lo, min(need, lo + 2.5 * (hi - lo))]
    _thin_ticks(axis, plot)
    return fig


def _thin_ticks(axis: go.layout.XAxis, plot: float) -> None:
    """Keep every k-th of an axis's own tick labels (``tickvals``/``ticktext``) so that
    neighbours do not run into each other on a plot ``plot`` px wide ("Rp 1 M" and "Rp 2 M"
    overlapped once the labels beside the bars had widened the axis)."""
    vals, texts = axis.tickvals, axis.ticktext
    lo, hi = axis.range
    if not vals or not texts or len(vals) != len(texts) or len(vals) < 3 or hi <= lo:
        return
    step_px = plot * (vals[1] - vals[0]) / (hi - lo)
    size = axis.tickfont.size if isinstance(axis.tickfont.size, Real) else BASE_FONT_PX
    need = max(text_px(str(t), size) for t in texts) + 12
    if step_px <= 0 or step_px >= need:
        return
    k = math.ceil(need / step_px)
    axis.tickvals, axis.ticktext = list(vals)[::k], list(texts)[::k]


def fit_heading(fig: go.Figure, columns: int = 1) -> go.Figure:
    """Wrap the title and subtitle to the chart's width, and give the extra lines room.

    Plotly never wraps a title: one longer than the chart is cut at its edge. The width is
    the narrowest the chart is drawn, alone or as one of ``columns`` side by side
    (``CHART_PX``). Each extra line adds its height to the top margin and to the figure's
    height, so the plot keeps its size. Call it once per figure, before showing it.
    """
    width = CHART_PX[columns] * 0.97 - 10        # 3 % and 10 px to spare
    title = fig.layout.title
    extra = 0.0
    for font_px, obj in ((TITLE_FONT_PX, title), (BASE_FONT_PX, title.subtitle)):
        if not obj.text:
            continue
        lines = wrap(obj.text, font_px, width)
        obj.text = "<br>".join(lines)
        extra += (len(lines) - 1) * LINE_EM * font_px
    if "<br>" in (title.text or ""):
        # plotly drops the cap-height shift of a top-anchored title with several lines: its
        # first line rose 0.7 em (18 px), half out of the figure. The pad puts it back.
        title.pad.t = TITLE_PAD_PX + round(CAP_SHIFT_EM * TITLE_FONT_PX)
    if extra:
        base = fig.layout.template.layout
        top = fig.layout.margin.t if fig.layout.margin.t is not None else base.margin.t
        fig.update_layout(margin_t=(top or 0) + math.ceil(extra),
                          height=(fig.layout.height or 450) + math.ceil(extra))
    return fig


def cell_css(table: pd.DataFrame, columns: Iterable[str],
             rule: Callable[[object], str]) -> pd.DataFrame:
    """CSS of each cell of ``columns`` by ``rule`` (a cell's value -> CSS text), '' elsewhere:
    what ``table.style.map(rule, subset=columns)`` would give (for ``components.styled``)."""
    css = pd.DataFrame("", index=table.index, columns=table.columns)
    for col in columns:
        css[col] = [rule(v) for v in table[col]]
    return css
