"""The look of every chart: band colours, a plotly template for projectors, finding titles.

Charts are read on a projector in a meeting room: large fonts (18 px body, 26 px title), a
white background, few colours (the band palette, one accent, greys) and a title that states
the finding ("3 dari 6 dimensi di bawah target"), not the chart type. Pass ``theme=None`` to
``st.plotly_chart`` (``components.show_figure`` does) so Streamlit keeps this template.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from monev.domain.bands import BANDS, Band

FONT_FAMILY = "Source Sans Pro, DejaVu Sans, Arial, sans-serif"
BASE_FONT_PX = 18
TITLE_FONT_PX = 26
TEXT = "#1F2937"
GRID = "#E5E7EB"
ACCENT = "#1F4E79"       # the template header blue of the workbooks
MUTED = "#9CA3AF"
TEMPLATE_NAME = "monev"

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
                  "y": 0.98, "yanchor": "top"},
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
