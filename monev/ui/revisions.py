"""Masterplan revisions on screen: the record form's flow, the list, and the shared blocks
("Ditunda / dibatalkan" and a program's revision history) other pages show.

The form builds the same revision workbook an admin could fill in by hand
(``etl.revision.revision_workbook``) and sends it through the upload flow
(``monev.ui.upload``): dry run first, then load, archived, journaled and audited like any
upload. ``pages/revisi.py`` lays it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import duckdb
import pandas as pd
import streamlit as st

from etl.revision import KIND_LABELS, revision_workbook
from etl.validate import Expect
from monev.engine.asof import AsOf
from monev.engine.revisions import REVISED_MARK, off_plan, program_history
from monev.store import revisions as store
from monev.ui import components, upload
from monev.ui.data import cached
from monev.ui.format import angka, tanggal, triwulan

KIND_CHOICES = tuple(KIND_LABELS)   # ditunda, dijadwal_ulang, target_diubah, dibatalkan, ...
KIND_HELP = {
    "ditunda": "Program/indikator tidak direncanakan mulai Tahun sampai sebelum Tahun Baru; "
               "desa sasarannya pada tahun-tahun itu pindah ke Tahun Baru.",
    "dijadwal_ulang": "Target Tahun (tahunan, atau satu TW) dipindah ke Tahun Baru.",
    "target_diubah": "Target yang berlaku untuk Tahun (tahunan atau satu TW) menjadi Target "
                     "Baru; target semula tetap tercatat.",
    "dibatalkan": "Program/indikator tidak direncanakan lagi mulai Tahun.",
    "ditambah": "Mencatat dasar hukum program/indikator yang ditambahkan (masukkan dulu lewat "
                "unggah ulang masterplan); tidak direncanakan sebelum Tahun.",
}


def revision_row(kind: str, program: str, indicator: str | None, year: int,
                 new_year: int | None, tw: int | None, new_target: float | None, reason: str,
                 legal_number: str, legal_date: date | None,
                 effective: date | None) -> dict[str, object]:
    """One row of the Revisi sheet from the form's values (blank text is None)."""
    def text(value: str | None) -> str | None:
        return value.strip() or None if isinstance(value, str) else value

    return {"jenis": kind, "kode_program": program, "kode_indikator": text(indicator),
            "tahun": year, "tahun_baru": new_year, "tw": tw, "target_baru": new_target,
            "alasan": text(reason), "nomor_dasar_hukum": text(legal_number),
            "tanggal_dasar_hukum": legal_date, "berlaku_mulai": effective}


def workbook_name(row: Mapping[str, object]) -> str:
    """The file name the form's workbook is archived under: revisi_<program>_<date>.xlsx."""
    when = row.get("berlaku_mulai")
    stamp = when.strftime("%Y%m%d") if isinstance(when, date) else "tanpa_tanggal"
    return f"revisi_{row.get('kode_program') or 'program'}_{stamp}.xlsx"


def check(region: str, row: Mapping[str, object]) -> upload.Checked:
    """Dry-run the one-row revision workbook of the form (read-only; nothing changes)."""
    data = revision_workbook(region, [row])
    return upload.check_file(workbook_name(row), data, _expect(region))


def save(item: upload.Checked) -> list:
    """Load a checked revision workbook for real (the loader checks it again)."""
    return upload.commit([item], upload.current_actor(), _expect(item_region(item)))


def item_region(item: upload.Checked) -> str | None:
    """The region of a checked revision workbook."""
    return item.result.ident.region if item.result.ident else None


def _expect(region: str | None) -> Expect:
    return upload.expectation(region=region)


def template_bytes(region: str) -> bytes:
    """An empty revision workbook of the region (Info and Revisi, with instructions)."""
    return revision_workbook(region, [])


def _loads(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    return store.revision_loads(con, region)


def loads_table(region: str) -> pd.DataFrame:
    """Revision workbooks loaded in the region, in Indonesian."""
    loads = cached(_loads, region)
    return pd.DataFrame({
        "No. muatan": [str(int(v)) for v in loads["load_id"]],
        "File": loads["file_name"], "Diunggah oleh": loads["uploaded_by"],
        "Waktu unggah": [tanggal(v) for v in loads["uploaded_at"]],
        "Status": ["Aktif" if a else "Ditarik" for a in loads["active"]],
        "Baris revisi": [int(n) for n in loads["n_rows"]],
    })


def history_table(history: pd.DataFrame, with_program: bool = True) -> pd.DataFrame:
    """Revisions (``engine.revisions.program_history``) in Indonesian."""
    out = {
        "Program": history["program_code"],
        "Indikator": [c if isinstance(c, str) else "Seluruh program"
                      for c in history["indicator_code"]],
        "Jenis": history["kind_label"], "Uraian": history["what"],
        "Alasan": history["reason"], "Dasar hukum": history["legal_basis"],
        "Berlaku mulai": [tanggal(v) for v in history["effective_date"]],
        "Status pada periode dilihat": ["Berlaku" if f else "Belum berlaku"
                                        for f in history["in_force"]],
        "Sumber": history["source"],
    }
    if not with_program:
        out.pop("Program")
    return pd.DataFrame(out)


def off_plan_table(off: pd.DataFrame) -> pd.DataFrame:
    """Items taken off the plan of the viewed year (``engine.revisions.off_plan``)."""
    return pd.DataFrame({
        "Program": [f"{c} {n}" for c, n in zip(off["program_code"], off["program_name"],
                                              strict=True)],
        "Indikator": [f"{c} {n}" if isinstance(c, str) else "Seluruh program"
                      for c, n in zip(off["indicator_code"], off["indicator_name"],
                                      strict=True)],
        "Status": off["status_label"], "Alasan": off["reason"],
        "Dasar hukum": off["legal_basis"],
        "Berlaku mulai": [tanggal(v) for v in off["effective_date"]],
        "OPD pengampu": off["lead_opd_name"],
    })


def off_plan_section(region: str, asof: AsOf, key: str, opd: str | None = None) -> None:
    """The "Ditunda / dibatalkan" section: items a revision in force takes off the plan of
    the viewed year, with the reason (nothing when there is none)."""
    off = cached(off_plan, region, asof)
    if opd:
        off = off[off["lead_opd_code"] == opd]
    if off.empty:
        return
    st.subheader("Ditunda / dibatalkan", divider="gray")
    st.caption(f"{len(off)} program/indikator tidak direncanakan pada tahun {asof.year} "
               "menurut revisi masterplan yang berlaku; tidak dinilai dan tidak dihitung dalam "
               "Tertinggal/Kritis maupun program berjalan ÷ direncanakan.")
    table = off_plan_table(off)
    components.table(table, key=key)


def history_expander(region: str, asof: AsOf, program_code: str, key: str) -> None:
    """A program's revision history in an expander (nothing when it has none)."""
    history = cached(program_history, region, asof, program_code)
    if history.empty:
        return
    with st.expander(f"Riwayat revisi {program_code} ({len(history)})",
                     icon=":material/edit_calendar:"):
        components.table(history_table(history, with_program=False), key=key)


def target_text(value: object, original: object, revised: object) -> str:
    """'80 (direvisi; semula 100)' for a revised target, else the number."""
    shown = angka(value, 2)
    if not revised:
        return shown
    return f"{shown} ({REVISED_MARK}; semula {angka(original, 2)})"


def tw_text(tw: object) -> str:
    """'TW II', or 'Tahunan' for none."""
    return triwulan(tw) if tw is not None and not pd.isna(tw) else "Tahunan"
