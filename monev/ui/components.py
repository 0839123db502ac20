"""Small building blocks shared by pages: KPI tile, band legend, downloads, busy guard."""

from __future__ import annotations

import hashlib
import html
import logging
import pickle
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import ContextDecorator
from types import TracebackType

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit.delta_generator import DeltaGenerator

from monev import export
from monev.domain.bands import BANDS, Band
from monev.domain.settings import Rules
from monev.domain.text import KOSONG
from monev.store.db import DatabaseBusy, DatabaseMissing
from monev.ui.data import BUSY_MESSAGE, by_pickle
from monev.ui.theme import BASE_FONT_PX, CHART_PX, SCREEN_CSS, fit_bar_labels, fit_heading

LOG = logging.getLogger(__name__)
TILE_MIN_PX = 200   # a KPI tile's narrowest: its value at 36 px, the padding and the border
XLSX_MIME = export.XLSX_MIME
ERROR_MESSAGE = ("Terjadi kesalahan saat menampilkan bagian ini. Muat ulang halaman; bila "
                 "masih terjadi, hubungi admin Diskominfo.")


# Streamlit 1.67 has no translation for the file uploader's own words ("Upload",
# "Drag and drop files here"); these rules show Indonesian text in their place.
GLOBAL_CSS = """
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {
  font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "Pilih file"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "atau seret file ke sini"; font-size: 0.875rem; }
[data-testid="InputInstructions"] { display: none; }  /* English "Press Enter to ..." */
/* side_by_side: two columns that stack when each would be narrower than CHART_PX[2] */
[class*="st-key-pair_"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
[class*="st-key-pair_"] [data-testid="stColumn"] {
  flex: 1 1 @PAIR@px !important; min-width: min(@PAIR@px, 100%) !important; }
/* A row of KPI tiles is a grid that wraps once a tile would be narrower than its value
   ("12 dari 57" at 36 px), its tiles of one width; labels and deltas wrap onto a second
   line instead of ending in "…". */
[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) {
  display: grid !important;
  grid-template-columns: repeat(auto-fit, minmax(min(@TILE@px, 100%), 1fr));
  grid-auto-rows: 1fr; }
[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
  > [data-testid="stColumn"] { width: auto !important; min-width: 0 !important; }
/* every tile of a row, wrapped or not, is as tall as its tallest (a label on two lines) */
[data-testid="stColumn"] > [data-testid="stVerticalBlock"]
  > [data-testid="stElementContainer"]:has(> [data-testid="stMetric"]) { flex: 1 1 auto; }
[data-testid="stColumn"] [data-testid="stMetric"] { height: 100%; }
[data-testid="stMetricLabel"] *, [data-testid="stMetricDelta"] * {
  white-space: normal !important; text-overflow: clip !important; overflow: visible !important; }
@SCREEN@
</style>
""".replace("@SCREEN@", SCREEN_CSS).replace("@PAIR@", str(CHART_PX[2])).replace(
    "@TILE@", str(TILE_MIN_PX))


def global_style() -> None:
    """Page-wide CSS (called once per run by app.py)."""
    st.markdown(GLOBAL_CSS, unsafe_allow_html=True)


# The columns a reader needs from each table, by the table's key (st.dataframe's key, a
# trailing "_<n>" dropped): shown first, at most KEY_MAX_PX wide, so they are in view on a
# 1280 px screen; the other columns follow (scroll sideways, or the row's detail). Not pinned:
# Streamlit draws a pinned column's text grey, too faint for the key figures. WHOLE means the
# table must fit without scrolling sideways (an OPD × TW matrix: the current TW is its last
# column). tests/browser/test_screens.py fails when a key column is out of view.
WHOLE = "*"
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "rk_lagging": ("Program", "Capaian", "Pita"),
    "rk_dims": ("Dimensi", "Capaian", "Pita"),
    "cp_program_table": ("Program", "Capaian", "Pita"),
    "cp_indicators": ("Indikator", "Capaian", "Pita"),
    "cp_series_table": ("Triwulan", "Capaian"),
    "cp_trace": ("Data", "Nilai"),
    "tt_table": ("Jenis", "Program", "Kendala", "Tindak Lanjut"),
    "kl_matrix": ("OPD", WHOLE),
    "kl_detail": ("OPD", "Status"),
    "desa_risk": ("Status", "Desa/Kelurahan", "Program"),
    "kol_card": ("OPD", "Program diampu", "Capaian sebagai pengampu"),
    "rw_table": ("No. Muatan", "Jenis", "OPD", "Periode", "Status"),
    "rw_rej_issues": ("Pesan",),
    "issues": ("Sheet", "Baris", "Pesan"),
    "done": ("Sheet", "Baris", "Pesan"),
    "us_users": ("Nama pengguna", "Peran", "OPD", "Aktif"),
    "au_events": ("Waktu", "Pengguna", "Tindakan"),
}
# A key column wider than this would leave no room for the rest on a 1280 px screen.
KEY_MAX_PX = 300
# Streamlit wraps a cell's text (up to three lines here) only in rows taller than 4 rem
# (72 px at the 18 px type): pass as row_height to a table of long messages.
WRAP_ROW_PX = 80


def key_columns(key: str, columns: Iterable[object]) -> tuple[str, ...]:
    """The declared key columns of the table ``key`` (``KEY_COLUMNS``) that it has."""
    names = [str(c) for c in columns]
    return tuple(c for c in declared_keys(key) if c in names)


def declared_keys(key: str) -> tuple[str, ...]:
    """``KEY_COLUMNS`` of the table ``key`` (a trailing '_<n>' of a repeated table dropped)."""
    return KEY_COLUMNS.get(key) or KEY_COLUMNS.get(re.sub(r"_\d+$", "", key), ())


def table(data: pd.DataFrame | object, key: str, *,
          column_config: Mapping[str, object] | None = None,
          column_order: Iterable[str] | None = None, hide_index: bool = True,
          **kwargs: object) -> object:
    """``st.dataframe`` with the table's key columns (``KEY_COLUMNS``) first, a
    missing value shown as '–', inside a container keyed ``tbl_<key>`` (the browser test
    finds the table by it). ``data`` is a DataFrame or its Styler. Returns what
    ``st.dataframe`` returns (the selection when ``on_select`` is given)."""
    frame = getattr(data, "data", data)
    columns = [str(c) for c in getattr(frame, "columns", [])]
    keys = key_columns(key, columns)
    config: dict[str, object] = dict(column_config or {})
    for col in keys:
        given = config.get(col)
        base = dict(given) if isinstance(given, Mapping) else (
            {"label": given} if isinstance(given, str) else {})
        if isinstance(base.get("width"), int):
            base["width"] = min(int(base["width"]), KEY_MAX_PX)
        config[col] = base
    order = [str(c) for c in column_order] if column_order is not None else columns
    order = [c for c in keys if c in order] + [c for c in order if c not in keys]
    with st.container(key=f"tbl_{key}"):
        return st.dataframe(data, key=key, hide_index=hide_index,  # type: ignore[arg-type]
                            column_config=config, column_order=order, placeholder=KOSONG,
                            **kwargs)  # type: ignore[arg-type]


def side_by_side(key: str) -> list[DeltaGenerator]:
    """Two columns for two charts, a large gap between them, that stack once the main column
    cannot give each ``CHART_PX[2]`` px (a 1280 or 1366 px screen with the sidebar open):
    labelled bars need that width to stay whole."""
    return st.container(key=f"pair_{key}").columns(2, gap="large")


def kpi_tile(label: str, value: str | int | float, help: str | None = None,
             delta: str | None = None, delta_color: str = "normal") -> None:
    """A bordered metric tile (value already formatted in Indonesian)."""
    st.metric(label, value, delta=delta, delta_color=delta_color, help=help,  # type: ignore
              border=True)


def band_legend(bands: Iterable[Band] = BANDS, title: str = "Tingkat capaian") -> None:
    """A one-line legend: a swatch with its code and label next to each band colour."""
    items = "".join(
        f"<span style='display:inline-flex;align-items:center;margin:0 1.2em 0.3em 0'>"
        f"<span style='display:inline-block;min-width:2.4em;padding:0.1em 0.4em;"
        f"border-radius:0.3em;background:{b.color};color:{b.text_color};font-weight:700;"
        f"text-align:center'>{html.escape(b.code)}</span>"
        f"<span style='margin-left:0.4em'>{html.escape(b.label)}</span></span>"
        for b in bands)
    st.markdown(f"<div style='font-size:{BASE_FONT_PX}px'><b>{html.escape(title)}:</b> "
                f"{items}</div>", unsafe_allow_html=True)


# Plotly draws <a href> in any text of a chart (titles, axis labels, bar texts, hovers) as a
# link. The charts never write one themselves, so every '<' that opens or closes an <a> tag is
# written as the entity '&lt;' (shown as '<'): a name from an uploaded file stays text. In the
# figure's JSON a '<' is the escape \u003c.
_ANCHOR_IN_JSON = re.compile(r"\\u003c(?=\s*(?:\\u002f\s*)?a(?![a-z0-9]))", re.IGNORECASE)


def inert_links(fig: go.Figure) -> go.Figure:
    """The figure with no clickable link in any of its texts (unchanged, and no copy, when
    it has none: the usual case costs one JSON encoding)."""
    spec = pio.to_json(fig, validate=False)
    if not _ANCHOR_IN_JSON.search(spec):
        return fig
    return pio.from_json(_ANCHOR_IN_JSON.sub("&lt;", spec), skip_invalid=True)


def show_figure(fig: go.Figure, key: str | None = None, columns: int = 1) -> None:
    """Show a plotly figure with the Monev template (not Streamlit's theme), no plotly logo,
    fitted to the narrowest width it is drawn at (alone, or one of ``columns`` side by side):
    its title wrapped, its bar labels given room; a link written in a name stays text."""
    fig = inert_links(fit_heading(fit_bar_labels(fig, columns), columns))
    st.plotly_chart(fig, theme=None, key=key,
                    config={"displaylogo": False, "displayModeBar": False})


# Figures shared by every session: a chart built from the same arguments is built once and
# then only sent (plotly's construction and validation were about half of a warm page view's
# server CPU). A few dozen, so a big Gantt chart or two cannot hold much memory.
SHARED_CHARTS = 48


def _frame_key(frame: pd.DataFrame) -> bytes:
    """A table argument as the chart cache's key: a digest of its pickle (columns, types,
    index and every cell; three times faster than hashing its rows with pandas on the
    Arrow-backed text columns). Equal tables stored another way (Arrow chunks) may pickle
    differently: a chart built once more, never a wrong one."""
    digest = _Digest()
    pickler = pickle.Pickler(digest, protocol=5)
    pickler.fast = True    # no memo: a text shared by two cells pickles as two, so equal
    try:                   # tables give one digest however their objects are shared
        pickler.dump(frame)
    except ValueError:     # a cell that refers to itself needs the memo
        digest = _Digest()
        pickle.Pickler(digest, protocol=5).dump(frame)
    return digest.hash.digest()


class _Digest:
    """A file-like sink that only hashes what is written to it."""

    def __init__(self) -> None:
        self.hash = hashlib.blake2b(digest_size=16)

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return len(data)


@st.cache_resource(show_spinner=False, max_entries=SHARED_CHARTS,
                   hash_funcs={Rules: by_pickle, pd.DataFrame: _frame_key})
def _shared_chart(name: str, args: tuple, kwargs: tuple, columns: int,
                  _build: Callable[..., go.Figure]) -> go.Figure:
    # ``_build`` is not hashed (leading underscore); ``name`` stands for it in the key. The
    # figure is one object for every session: st.plotly_chart only reads it (to_dict copies).
    return fitted(_build, args, kwargs, columns)


def fitted(build: Callable[..., go.Figure], args: tuple, kwargs: tuple,
           columns: int) -> go.Figure:
    """``build(*args, **dict(kwargs))`` fitted as :func:`show_figure` fits a figure (what
    :func:`chart` shares; the benchmark calls it per view as the baseline)."""
    fig = build(*args, **dict(kwargs))
    return inert_links(fit_heading(fit_bar_labels(fig, columns), columns))


def chart(build: Callable[..., go.Figure], *args: object, key: str, columns: int = 1,
          **kwargs: object) -> None:
    """Show ``build(*args, **kwargs)`` as :func:`show_figure` does, built and fitted once for
    every session that asks with equal arguments (the arguments are the key, so the figure
    follows the data). ``build`` must be a pure function of its arguments (monev/ui/charts_*)."""
    fig = _shared_chart(f"{build.__module__}.{build.__qualname__}", args,
                        tuple(sorted(kwargs.items())), columns, build)
    st.plotly_chart(fig, theme=None, key=key,
                    config={"displaylogo": False, "displayModeBar": False})


def rendered_once(styler: Styler) -> Styler:
    """``styler`` rendered now by pandas (``_compute``, ``_translate``: the CSS and the text
    of every cell), which Streamlit would otherwise do again on every view; later calls of
    those two return this rendering, so the Styler is only read from then on. Set on the
    instance: Streamlit takes a Styler by its exact type, a subclass would not do."""
    styler._compute()
    rendered = styler._translate(False, False)
    styler._compute = lambda: styler  # type: ignore[method-assign]
    styler._translate = lambda *args, **kwargs: rendered  # type: ignore[method-assign]
    return styler


@st.cache_resource(show_spinner=False, max_entries=SHARED_CHARTS,
                   hash_funcs={pd.DataFrame: _frame_key})
def _shared_styler(name: str, table: pd.DataFrame, args: tuple, uuid: str,
                   _css: Callable[..., pd.DataFrame]) -> Styler:
    # ``_css`` is not hashed (leading underscore); ``name`` stands for it in the key.
    css = _css(*args)
    return rendered_once(table.style.set_uuid(uuid).apply(lambda _: css, axis=None))


def styled(table: pd.DataFrame, key: str, css: Callable[..., pd.DataFrame],
           *args: object) -> Styler:
    """``table`` coloured cell by cell with ``css(*args)`` (CSS texts, same index and columns
    as the table; '' leaves a cell as it is), rendered once for every session that shows an
    equal table: Streamlit renders a Styler again on every view (for the 514 regencies of
    Perbandingan Wilayah, the page's largest cost). ``key`` names the table's CSS scope and
    must be unique on the page (the table's key); ``css`` must be a pure function."""
    return _shared_styler(f"{css.__module__}.{css.__qualname__}", table, args, f"T_{key}",
                          css)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_").lower() or "data"


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The table as the CSV download (``monev.export.csv_bytes``: neutralised, ';'-separated,
    ',' as decimal mark, UTF-8 with BOM)."""
    return export.csv_bytes(df)


def excel_bytes(df: pd.DataFrame, sheet: str = "Data") -> bytes:
    """The table as the Excel download (``monev.export.xlsx_bytes``: neutralised, text cells
    never formulas, header in bold, columns widened to fit)."""
    return export.xlsx_bytes(df, sheet)


def download_buttons(df: pd.DataFrame, name: str, key: str | None = None,
                     what: str | None = None) -> None:
    """Two buttons side by side: the table as CSV and as Excel (file names from ``name``).

    The files are made only when a button is clicked (Streamlit calls the function then), not
    on every run of the page, by ``monev.export`` (the one path of every download: text that a
    spreadsheet would run as a formula is neutralised). ``what`` names the table on the
    buttons ("Unduh daftar masalah (CSV)") when the page shows other downloads next to them.
    """
    slug = _slug(name)
    key = key or f"dl_{slug}"
    csv_label, xlsx_label = ((f"Unduh {what} (CSV)", f"Unduh {what} (Excel)") if what
                             else ("Unduh CSV", "Unduh Excel"))
    row = st.container(horizontal=True)
    row.download_button(csv_label, lambda: csv_bytes(df), file_name=f"{slug}.csv",
                        mime=export.CSV_MIME,
                        key=f"{key}_csv", on_click="ignore", icon=":material/download:")
    row.download_button(xlsx_label, lambda: excel_bytes(df), file_name=f"{slug}.xlsx",
                        mime=XLSX_MIME, key=f"{key}_xlsx", on_click="ignore",
                        icon=":material/download:")


class busy_guard(ContextDecorator):  # noqa: N801 - used like a function: `with busy_guard():`
    """Turn ``DatabaseBusy`` into the Indonesian warning (context manager or decorator); a
    ``DatabaseMissing`` shows its own message.

    With ``stop=True`` the page stops after the warning. Any other exception is logged and
    shown as a short Indonesian error when ``catch_all=True`` (never a traceback).
    """

    def __init__(self, stop: bool = False, catch_all: bool = False):
        self.stop = stop
        self.catch_all = catch_all

    def __enter__(self) -> busy_guard:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc_type is None:
            return False
        if issubclass(exc_type, DatabaseMissing):  # never created empty: say why
            st.error(str(exc), icon=":material/error:")
        elif issubclass(exc_type, DatabaseBusy):
            st.warning(BUSY_MESSAGE, icon=":material/hourglass_top:")
        elif self.catch_all and issubclass(exc_type, Exception):  # rerun/stop are BaseException
            LOG.exception("page section failed", exc_info=(exc_type, exc, tb))  # type: ignore
            st.error(ERROR_MESSAGE, icon=":material/error:")
        else:
            return False
        if self.stop:
            st.stop()
        return True

