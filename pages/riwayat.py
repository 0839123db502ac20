"""Riwayat Unggah: every load with its status, one load's detail, restore/withdraw, rejections."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from etl.load import TABLE_LABELS
from monev.domain.text import KOSONG, tw_label
from monev.store import lineage, uploads
from monev.ui import components, data, filters, nav, session, upload
from monev.ui.audit_text import action_label
from monev.ui.format import tanggal, tanggal_jam

KIND_LABELS = {"masterplan": "Masterplan", "laporan": "Laporan triwulan",
               "revisi": "Revisi masterplan", "rfk": "RFK akhir triwulan"}
STATUS_LABELS = {"aktif": "Aktif", "digantikan": "Digantikan", "ditarik": "Ditarik"}
BASIS_LABELS = {"tw": "Nilai TW ini", "sdtw": "Kumulatif s.d. TW"}
ALL = "Semua"
PICK_LIMIT = 300       # loads offered in the detail picker


def _period(year: object, tw: object) -> str:
    if pd.isna(year) or pd.isna(tw):
        return KOSONG
    return f"{tw_label(int(tw))} {int(year)}"


def history_frame(region: str | None) -> pd.DataFrame:
    """Every load of the region with its status now (raw values; formatted when shown)."""
    hist = data.cached(lineage.history, region)
    status = data.cached(uploads.load_status, region)
    return hist.merge(status[["load_id", "status"]], on="load_id", how="left")


def pick_region() -> str | None:
    """The region whose history is shown: the account's own, or chosen when several are
    loaded (None: no masterplan yet, so every load)."""
    user = session.current_user()
    regions = filters.options().regions
    if user is not None and user.region_code in regions:
        return user.region_code
    if len(regions) < 2:
        return next(iter(regions), None)
    return st.selectbox("Wilayah", list(regions), format_func=regions.get, key="rw_wilayah")


def shown_table(df: pd.DataFrame) -> pd.DataFrame:
    """The history in Indonesian, one row per load."""
    return pd.DataFrame({
        "No. Muatan": df["load_id"].astype(int),
        "Jenis": df["kind"].map(KIND_LABELS).fillna(df["kind"]),
        "OPD": df["opd_code"].fillna(KOSONG),
        "Periode": [_period(y, t) for y, t in zip(df["year"], df["tw"])],
        "File": df["file_name"],
        "Diunggah oleh": df["uploaded_by"],
        "Waktu unggah": df["uploaded_at"].map(tanggal_jam),
        "Tanggal diterima": df["received_on"].map(tanggal),
        "Status": df["status"].map(STATUS_LABELS).fillna(KOSONG),
    })


def filter_history(df: pd.DataFrame) -> pd.DataFrame:
    """Page filters: Jenis, OPD, Tahun, Triwulan, Status."""
    c1, c2, c3, c4, c5 = st.columns([2, 2, 1, 1, 1])
    kind = c1.selectbox("Jenis", [ALL, *KIND_LABELS], key="rw_jenis",
                        format_func=lambda k: KIND_LABELS.get(k, k))
    opds = sorted(df["opd_code"].dropna().unique())
    opd = c2.selectbox("OPD", [ALL, *opds], key="rw_opd")
    years = sorted({int(y) for y in df["year"].dropna()}, reverse=True)
    year = c3.selectbox("Tahun", [ALL, *years], key="rw_tahun")
    tw = c4.selectbox("Triwulan", [ALL, 1, 2, 3, 4], key="rw_tw",
                      format_func=lambda t: t if t == ALL else tw_label(t))
    status = c5.selectbox("Status", [ALL, *STATUS_LABELS], key="rw_status",
                          format_func=lambda s: STATUS_LABELS.get(s, s))
    keep = pd.Series(True, index=df.index)
    if kind != ALL:
        keep &= df["kind"] == kind
    if opd != ALL:
        keep &= df["opd_code"] == opd
    if year != ALL:
        keep &= df["year"] == year
    if tw != ALL:
        keep &= df["tw"] == tw
    if status != ALL:
        keep &= df["status"] == status
    return df[keep]


def _describe(row: pd.Series) -> str:
    what = KIND_LABELS.get(row["kind"], row["kind"])
    if row["kind"] in ("laporan", "rfk"):
        what += f" {row['opd_code']} {_period(row['year'], row['tw'])}"
    return (f"#{int(row['load_id'])} · {what} · {row['file_name']} "
            f"({STATUS_LABELS.get(row['status'], row['status'])})")


def detail(row: pd.Series) -> None:
    """One load: file, hash, who, when, counts, events, and restore/withdraw."""
    load_id = int(row["load_id"])
    with st.container(border=True):
        st.markdown(f"**Muatan #{load_id}** — {STATUS_LABELS.get(row['status'], '')}")
        facts = {
            "File": row["file_name"],
            "Jenis": KIND_LABELS.get(row["kind"], row["kind"]),
            "OPD": row["opd_code"] if pd.notna(row["opd_code"]) else KOSONG,
            "Periode": _period(row["year"], row["tw"]),
            "Diunggah oleh": row["uploaded_by"],
            "Waktu unggah": tanggal_jam(row["uploaded_at"]),
            "Tanggal diterima": tanggal(row["received_on"]),
            "Kode hash (SHA-256)": row["file_hash"],
        }
        st.dataframe(pd.DataFrame({"Keterangan": list(facts), "Isi": list(facts.values())}),
                     hide_index=True, key="rw_facts")
        counts = json.loads(row["counts_json"] or "{}")
        left, right = st.columns(2)
        with left:
            st.markdown("**Jumlah baris yang dimuat**")
            st.dataframe(pd.DataFrame(
                {"Data": [TABLE_LABELS.get(t, t).capitalize() for t in counts],
                 "Baris": [int(n) for n in counts.values()]}), hide_index=True, key="rw_counts")
        with right:
            st.markdown("**Peristiwa**")
            events = data.cached(uploads.load_events, load_id)
            st.dataframe(pd.DataFrame({
                "Waktu": events["event_at"].map(tanggal_jam),
                "Oleh": events["actor"],
                "Peristiwa": events["action"].map(action_label),
            }), hide_index=True, key="rw_events")
        actions(load_id, row["status"] == "aktif")


def actions(load_id: int, active: bool) -> None:
    """'Tarik' for an active load, 'Pulihkan' for an inactive one, each with a confirmation
    (admin only: other roles see the history read-only)."""
    user = session.current_user()
    if user is None or not user.can("restore"):
        return
    pending = st.session_state.get("rw_confirm")
    if pending and pending[1] != load_id:
        pending = None
    if pending is None:
        if active:
            if st.button("Tarik", icon=":material/remove_circle:", key="rw_tarik",
                         help="Data muatan ini tidak lagi dipakai dasbor; dapat dipulihkan."):
                st.session_state["rw_confirm"] = ("tarik", load_id)
                st.rerun()
        elif st.button("Pulihkan", icon=":material/restore:", key="rw_pulihkan",
                       help="Jadikan muatan ini aktif kembali, menggantikan yang aktif."):
            st.session_state["rw_confirm"] = ("pulihkan", load_id)
            st.rerun()
        return
    action = pending[0]
    if action == "tarik":
        st.warning(f"Tarik muatan #{load_id}? Datanya tidak lagi ditampilkan di dasbor. "
                   "Muatan tetap tersimpan di riwayat dan dapat dipulihkan.")
    else:
        st.warning(f"Pulihkan muatan #{load_id}? Muatan ini menjadi aktif dan menggantikan "
                   "muatan yang sedang aktif untuk cakupan yang sama.")
    row = st.container(horizontal=True)
    if row.button(f"Ya, {action}", type="primary", key="rw_ya"):
        st.session_state.pop("rw_confirm", None)
        actor = upload.current_actor()
        if action == "tarik":
            upload.withdraw(load_id, actor)
            st.session_state["rw_notice"] = f"Muatan #{load_id} ditarik."
        else:
            replaced = upload.restore(load_id, actor)
            st.session_state["rw_notice"] = f"Muatan #{load_id} dipulihkan" + (
                f", menggantikan muatan #{replaced}." if replaced else ".")
        st.rerun()
    if row.button("Batal", key="rw_batal"):
        st.session_state.pop("rw_confirm", None)
        st.rerun()


def rejected_section() -> None:
    """Rejected attempts (from the CLI or a load whose data changed since its check)."""
    st.subheader("Unggahan yang ditolak")
    rej = data.cached(uploads.rejections)
    if rej.empty:
        st.caption("Belum ada unggahan yang ditolak.")
        return
    st.dataframe(pd.DataFrame({
        "Waktu": rej["event_at"].map(tanggal_jam), "Oleh": rej["actor"],
        "File": rej["file_name"], "Jumlah masalah": rej["n_issues"].astype(int),
    }), hide_index=True, key="rw_rejected")
    labels = {int(e): f"{f} · {tanggal_jam(t)}" for e, f, t in
              zip(rej["event_id"], rej["file_name"], rej["event_at"])}
    event_id = st.selectbox("Lihat masalah unggahan", list(labels), key="rw_rej_pick",
                            format_func=lambda e: labels[e])
    issues = data.cached(uploads.rejection_issues, event_id)
    table = pd.DataFrame({"Sheet": issues["sheet"], "Baris": issues["row_no"].astype("Int64"),
                          "Kolom": issues["column_name"], "Nilai": issues["value"],
                          "Pesan": issues["message"]})
    components.table(table, key="rw_rej_issues", row_height=components.WRAP_ROW_PX,
                     column_config={"Pesan": st.column_config.TextColumn(width="large")})


nav.ensure_routed()
st.title("Riwayat Unggah")
st.caption("Setiap file yang pernah dimuat, siapa yang mengunggah, dan statusnya sekarang.")
notice = st.session_state.pop("rw_notice", None)
if notice:
    st.success(notice, icon=":material/check_circle:")
with components.busy_guard(catch_all=True):
    hist = history_frame(pick_region())
    if hist.empty:
        st.info("Belum ada file yang dimuat. Unggah masterplan dan laporan di halaman "
                "Unggah Data.")
    else:
        shown = filter_history(hist)
        if shown.empty:
            st.info("Tidak ada muatan yang sesuai saringan.")
        else:
            table = shown_table(shown)
            components.table(table, key="rw_table")
            components.download_buttons(table, "riwayat_unggah", key="rw_dl")
            # the newest loads of the selection (the table above has them all)
            rows = {int(r["load_id"]): r for _, r in shown.head(PICK_LIMIT).iterrows()}
            picked = st.selectbox(
                "Pilih muatan untuk melihat rincian", list(rows), key="rw_pick",
                format_func=lambda i: _describe(rows[i]),
                help=f"{PICK_LIMIT} muatan terbaru dari saringan ini; persempit saringan untuk "
                     "muatan yang lebih lama." if len(shown) > PICK_LIMIT else None)
            detail(rows[picked])
st.divider()
with components.busy_guard(catch_all=True):
    rejected_section()
