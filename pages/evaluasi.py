"""Evaluasi Smart City: the ministry's yearly evaluation prepared from the data (issue 30).

Storyboard: the editions side by side (five dimensions, their weights, scores and the Indeks
Pencapaian, the change since the previous edition) → one edition: its settings and scores →
Outcome and Quick Win (and Impact, from the citizen survey) proposed from a frozen view at the
cut-off the admin chose, each figure with where it comes from → the survey import → the
public page switch. Admins change things; pimpinan read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st

from etl.survey import import_survey, read_survey
from monev.domain import evaluation as ev
from monev.domain.rollup import (
    PLANNED_LABEL,
    RUNNING_HELP,
    RUNNING_LABEL,
    reported_text,
    running_text,
)
from monev.domain.text import tw_label
from monev.engine import evaluation as en
from monev.engine.meeting import current_rules
from monev.reports import evidence as evp
from monev.store import evaluation as store
from monev.ui import components, data, filters, nav, session
from monev.ui import slides as sl
from monev.ui.components import XLSX_MIME
from monev.ui.format import KOSONG, angka, md_text, persen, rupiah, tanggal_jam

EDIT = "settings"        # admin only: editions, scores, cut-off, survey, public page
YEAR_KEY = "evaluasi_tahun"


def _write(fn: Callable[..., object], *args: object, **kwargs: object) -> object:
    """``data.write`` of ``fn(con, *args, **kwargs)`` (the store's keyword arguments)."""
    return data.write(functools.partial(fn, **kwargs), *args)


def _num(value: object, decimals: int = 2) -> str:
    return angka(value, decimals)


def overview_section(region: str) -> list[int]:
    """Every edition side by side; returns the edition years (newest first)."""
    found = data.cached(en.overview, region)
    if found.index.empty:
        st.info("Belum ada edisi evaluasi untuk wilayah ini.")
        return []
    table, idx = found.table, found.index
    years = [int(y) for y in idx["year"]]
    rows = []
    for code in ev.CODES:
        mine = table[table["dimension"] == code]
        row = {"Dimensi": ev.LABELS[code]}
        for r in mine.itertuples(index=False):
            row[f"Bobot {r.year}"] = persen(r.weight)
            row[f"Nilai {r.year}"] = _num(r.score)
        rows.append(row)
    last = {"Dimensi": "Indeks Pencapaian"}
    change = {"Dimensi": "Perubahan (Baseline)"}
    for r in idx.itertuples(index=False):
        last[f"Bobot {r.year}"] = "100%"
        last[f"Nilai {r.year}"] = (f"{_num(r.index)} dari {_num(r.scale_max, 1)}"
                                   if r.index is not None and not pd.isna(r.index)
                                   else f"belum lengkap ({r.missing})")
        change[f"Bobot {r.year}"] = ""
        change[f"Nilai {r.year}"] = (KOSONG if r.change is None or pd.isna(r.change)
                                     else f"{r.change:+.2f}".replace(".", ","))
    st.dataframe(pd.DataFrame([*rows, last, change]), hide_index=True, width="stretch")
    st.caption("Indeks Pencapaian = jumlah bobot × nilai kelima dimensi (bobot per edisi, "
               "dijumlah 100%). Dimensi tanpa nilai membuat indeks belum dapat dihitung; "
               "tidak pernah dianggap 0. Perubahan dibandingkan dengan edisi sebelumnya "
               "yang indeksnya dapat dihitung, pada skala yang sama (dasar dimensi Baseline).")
    return sorted(years, reverse=True)


def edition_form(region: str, actor: str, row: store.EditionRow | None,
                 years: list[int]) -> None:
    """Create an edition or change its weights, scale and survey size."""
    default_year = row.year if row else (max(years) + 1 if years else datetime.now().year)
    weights = row.weights if row else ev.DEFAULT_WEIGHTS
    with st.form(f"edisi_{row.year if row else 'baru'}", border=True):
        year = st.number_input("Tahun evaluasi", min_value=2000, max_value=2100,
                               value=int(default_year), step=1, disabled=row is not None,
                               key=f"edisi_tahun_{row.year if row else 'baru'}")
        cols = st.columns(len(ev.CODES))
        typed = {}
        for col, code in zip(cols, ev.CODES, strict=True):
            typed[code] = col.number_input(f"Bobot {ev.LABELS[code]} (%)", min_value=0.0,
                                           max_value=100.0, value=float(weights[code]),
                                           step=5.0, key=f"bobot_{code}_{year}")
        c1, c2 = st.columns(2)
        scale = c1.number_input("Nilai maksimum skala", min_value=0.1, max_value=1000.0,
                                value=float(row.scale_max if row else ev.DEFAULT_SCALE_MAX),
                                step=0.5, key=f"skala_{year}")
        minimum = c2.number_input("Minimum responden survei per program", min_value=1,
                                  max_value=100_000, step=1,
                                  value=int(row.min_respondents if row
                                            else ev.DEFAULT_MIN_RESPONDENTS),
                                  key=f"minresp_{year}")
        note = st.text_input("Catatan (mis. dasar bobot edisi ini)",
                             value=(row.note or "") if row else "", key=f"catatan_{year}")
        st.caption(f"Bawaan: bobot Baseline {persen(ev.DEFAULT_WEIGHTS['baseline'], 0)}, "
                   f"Output {persen(ev.DEFAULT_WEIGHTS['output'], 0)}, Outcome "
                   f"{persen(ev.DEFAULT_WEIGHTS['outcome'], 0)}, Impact "
                   f"{persen(ev.DEFAULT_WEIGHTS['impact'], 0)}, Quick Win "
                   f"{persen(ev.DEFAULT_WEIGHTS['quick_win'], 0)}; skala maksimum "
                   f"{_num(ev.DEFAULT_SCALE_MAX, 1)} dan minimum "
                   f"{ev.DEFAULT_MIN_RESPONDENTS} responden. Semuanya pengaturan per edisi: "
                   "ubah sesuai petunjuk teknis kementerian tahun itu.")
        sent = st.form_submit_button("Simpan edisi", type="primary")
    if sent:
        try:
            _write(store.save_edition, region, int(year), weights=typed,
                       scale_max=float(scale), min_respondents=int(minimum), actor=actor,
                       note=note.strip() or None)
        except store.EvaluationRefused as exc:
            st.error(f"Edisi tidak disimpan: {md_text(str(exc))}")
            return
        st.session_state[YEAR_KEY] = int(year)
        st.session_state["_evaluasi_pesan"] = f"Edisi evaluasi {int(year)} disimpan."
        st.rerun()


def scores_section(region: str, row: store.EditionRow, can_edit: bool, actor: str | None,
                   proposed: dict[str, float | None]) -> None:
    """The edition's weights, scores and index; the admin types or accepts scores."""
    found = data.cached(en.overview, region)
    mine = found.table[found.table["year"] == row.year]
    idx = found.index[found.index["year"] == row.year].iloc[0]
    table = pd.DataFrame({
        "Dimensi": mine["dimension_label"],
        "Bobot": mine["weight"].map(lambda w: persen(w, 1)),
        "Nilai": mine["score"].map(_num),
        "Asal nilai": mine["origin"].fillna(KOSONG),
        "Usulan dari data": [_num(proposed.get(c)) if c in proposed else "—"
                             for c in mine["dimension"]],
        "Sumbangan ke indeks": mine["contribution"].map(_num),
    })
    st.dataframe(table, hide_index=True, width="stretch")
    value = idx["index"]
    if value is None or pd.isna(value):
        st.warning(f"Indeks Pencapaian {row.year} belum dapat dihitung ({idx['missing']}).")
    else:
        components.kpi_tile(f"Indeks Pencapaian {row.year}",
                            f"{_num(value)} dari {_num(row.scale_max, 1)}")
    if not (can_edit and actor):
        return
    with st.expander("Isi atau ubah nilai dimensi", icon=":material/edit:"):
        current = dict(zip(mine["dimension"], mine["score"], strict=True))
        with st.form(f"nilai_{row.year}", border=False):
            typed = {}
            cols = st.columns(len(ev.CODES))
            for col, code in zip(cols, ev.CODES, strict=True):
                now = current.get(code)
                typed[code] = col.number_input(
                    ev.LABELS[code], min_value=0.0, max_value=float(row.scale_max),
                    value=None if now is None or pd.isna(now) else float(now), step=0.01,
                    format="%.2f", key=f"nilai_{code}_{row.year}",
                    placeholder="belum diisi")
            sent = st.form_submit_button("Simpan nilai", type="primary")
        if sent:
            changed = {c: v for c, v in typed.items()
                       if not _same(v, current.get(c))}
            try:
                if changed:
                    _write(store.save_scores, region, row.year, changed, origin="diisi",
                           actor=actor)
            except store.EvaluationRefused as exc:
                st.error(f"Nilai tidak disimpan: {md_text(str(exc))}")
                return
            st.session_state["_evaluasi_pesan"] = (f"{len(changed)} nilai dimensi disimpan."
                                                   if changed else "Tidak ada nilai berubah.")
            st.rerun()
        usable = {c: v for c, v in proposed.items() if v is not None}
        if usable:
            st.caption("Usulan dari data (Outcome, Quick Win, Impact) dapat dipakai sebagai "
                       "nilai; dasar usulan ada di bagian di bawah.")
            for code, score in usable.items():
                if st.button(f"Pakai usulan {ev.LABELS[code]}: {_num(score)}",
                             key=f"pakai_{code}_{row.year}"):
                    _write(store.save_score, region, row.year, code, score,
                           origin="usulan", actor=actor, note=ev.PROPOSAL_RULES.get(code))
                    st.session_state["_evaluasi_pesan"] = (
                        f"Nilai {ev.LABELS[code]} {row.year} diisi dari usulan data.")
                    st.rerun()


def _same(a: object, b: object) -> bool:
    a_missing = a is None or (isinstance(a, float) and pd.isna(a))
    b_missing = b is None or (isinstance(b, float) and pd.isna(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    return abs(float(a) - float(b)) < 1e-9  # type: ignore[arg-type]


def cutoff_form(region: str, row: store.EditionRow, actor: str) -> None:
    """Choose the frozen view of the proposals: the data's TW and cut-off."""
    now = datetime.now().replace(second=0, microsecond=0)
    with st.form(f"batas_{row.year}", border=True):
        c1, c2, c3 = st.columns([1, 2, 1])
        tw = c1.selectbox("Data s.d. triwulan", (1, 2, 3, 4),
                          index=(row.data_tw or 4) - 1, format_func=tw_label,
                          key=f"batas_tw_{row.year}")
        start = pd.Timestamp(row.cutoff).to_pydatetime() if row.cutoff is not None else now
        day = c2.date_input("Data per tanggal", value=start.date(), max_value=now.date(),
                            format="DD/MM/YYYY", key=f"batas_tanggal_{row.year}")
        at = c3.time_input("Jam", value=start.time(), step=60, key=f"batas_jam_{row.year}")
        st.caption("Usulan dihitung dari data yang sudah masuk sampai batas ini, dengan "
                   "aturan pemantauan yang berlaku saat batas disimpan (seperti rapat "
                   "evaluasi): unggahan sesudahnya tidak mengubahnya.")
        sent = st.form_submit_button("Simpan batas data", type="primary")
    if sent:
        cutoff = sl.cutoff_at(day, at)
        try:
            data.write(_freeze, region, row.year, int(tw), cutoff, actor)
        except store.EvaluationRefused as exc:
            st.error(f"Batas data tidak disimpan: {md_text(str(exc))}")
            return
        st.session_state["_evaluasi_pesan"] = "Batas data usulan disimpan."
        st.rerun()


def _freeze(con, region: str, year: int, tw: int, cutoff: datetime,  # noqa: ANN001 - DuckDB
            actor: str) -> None:
    store.set_cutoff(con, region, year, tw, cutoff, current_rules(con, region), actor=actor)


def proposal_section(proposal: en.Proposal | None, row: store.EditionRow) -> None:
    """Outcome, Quick Win and Impact as our data shows them at the edition's cut-off."""
    st.markdown("#### Outcome dan Quick Win dari data pemantauan")
    if proposal is None:
        st.info("Batas data belum dipilih: admin memilih triwulan dan tanggal data untuk "
                "menghitung usulan Outcome dan Quick Win.")
        return
    asof, overall = proposal.asof, proposal.overall
    st.caption(f"Data {asof.label}, per {tanggal_jam(asof.cutoff)} (dibekukan). Angka "
               "dihitung dengan fungsi yang sama dengan halaman Ringkasan, Capaian Program "
               "dan Peluncuran Desa untuk periode dan batas data ini.")
    villages = proposal.villages
    cols = st.columns(4)
    with cols[0]:
        components.kpi_tile(f"Capaian keseluruhan ({md_text(overall['band_label'])})",
                            persen(overall["capaian"]),
                            help=reported_text(overall["n_with_value"],
                                               overall["n_indicators"]))
    with cols[1]:
        st.metric(RUNNING_LABEL, persen(overall["pct_running"]),
                  delta=running_text(overall["n_running"], overall["n_planned"],
                                     overall["year"]),
                  delta_color="off", delta_arrow="off", border=True, help=RUNNING_HELP)
    qw = proposal.quick_wins
    with cols[2]:
        components.kpi_tile("Program quick win berjalan/selesai",
                            f"{int(qw['running'].sum())} dari {len(qw)}")
    with cols[3]:
        components.kpi_tile("Lokasi desa/kelurahan beroperasi",
                            f"{villages['n_operating']} dari {villages['n_locations']}",
                            help=f"{villages['n_villages_operating']} dari "
                                 f"{villages['n_villages']} desa/kelurahan berbeda.")
    dims = proposal.dimensions
    st.dataframe(pd.DataFrame({
        "Dimensi": dims["dimension_name"],
        "Capaian": [f"{persen(c)} · {b}" if not pd.isna(c) else KOSONG
                    for c, b in zip(dims["capaian"], dims["band_code"], strict=True)],
        "Indikator dilaporkan": [reported_text(int(a), int(b)) for a, b in
                                 zip(dims["n_with_value"], dims["n_indicators"], strict=True)],
        RUNNING_LABEL: dims["n_running"].astype(int),
        PLANNED_LABEL: dims["n_planned"].astype(int),
        "% berjalan": dims["pct_running"].map(persen),
    }), hide_index=True, width="stretch")
    st.markdown("**Program quick win**")
    if qw.empty:
        st.caption("Masterplan ini tidak menandai program quick win.")
    else:
        st.dataframe(pd.DataFrame({
            "Kode": qw["program_code"], "Program": qw["program_name"],
            "OPD pengampu": qw["lead_opd_name"].fillna(qw["lead_opd_code"]),
            "Dinilai pada": qw["judged"].fillna(KOSONG),
            "Capaian": [f"{persen(c)} · {b}" if c is not None and not pd.isna(c) else KOSONG
                        for c, b in zip(qw["capaian"], qw["band_code"], strict=True)],
            "Status": qw["status_label"],
            "Sumber (laporan OPD pengampu)": qw["source_file"].fillna(KOSONG),
        }), hide_index=True, width="stretch")
    survey_summary(proposal, row)
    st.markdown("**Usulan nilai dari data**")
    for code in ("outcome", "quick_win", "impact"):
        value = proposal.scores.get(code)
        text = (f"{_num(value)} dari {_num(row.scale_max, 1)}" if value is not None
                else "belum dapat diusulkan")
        st.markdown(f"- **{ev.LABELS[code]}**: {text} — {ev.PROPOSAL_RULES[code]}.")
    with st.expander("Sumber data (file yang aktif pada batas data)",
                     icon=":material/source:"):
        src = proposal.sources
        st.dataframe(pd.DataFrame({
            "Muatan": src["load_id"].astype(int), "Jenis": src["kind"],
            "File": src["file_name"], "OPD": src["opd_code"].fillna(KOSONG),
            "Periode": [f"{tw_label(int(t))} {int(y)}" if not pd.isna(t) else KOSONG
                        for t, y in zip(src["tw"], src["year"], strict=True)],
            "Diunggah oleh": src["uploaded_by"],
            "Diunggah": src["uploaded_at"].map(tanggal_jam),
        }), hide_index=True, width="stretch")


def survey_summary(proposal: en.Proposal, row: store.EditionRow) -> None:
    """Impact: the citizen survey per program, with the minimum respondents checked."""
    st.markdown("**Impact: survei kepuasan warga**")
    record, survey = proposal.survey_record, proposal.survey
    if record is None or survey.empty:
        st.caption("Belum ada survei warga untuk tahun ini.")
        return
    st.caption(f"File {md_text(record['file_name'])} diunggah {md_text(record['uploaded_by'])}"
               f" pada {tanggal_jam(record['uploaded_at'])}; skala jawaban 1–"
               f"{_num(record['scale_max'], 0)}; minimum {row.min_respondents} responden per "
               "program (pengaturan edisi).")
    st.dataframe(pd.DataFrame({
        "Program": survey["program_code"],
        "Responden": survey["n_respondents"].astype(int),
        "Kepuasan (rata-rata)": survey["satisfaction"].map(_num),
        "Memenuhi minimum": ["Ya" if e else f"Tidak (kurang dari {row.min_respondents})"
                             for e in survey["enough"]],
    }), hide_index=True, width="stretch")
    answers = data.cached(store.survey_answers, row.region_code, row.year)
    if len(answers):
        with st.expander(f"Jawaban bebas warga ({len(answers)})", icon=":material/chat:"):
            st.dataframe(pd.DataFrame({"Program": answers["program_code"],
                                       "Baris file": answers["src_row"].astype(int),
                                       "Jawaban": answers["answer"]}),
                         hide_index=True, width="stretch")


def survey_import(region: str, row: store.EditionRow, actor: str) -> None:
    """Import a citizen survey for the edition: a dry run first, then the load."""
    st.caption(f"File ekspor aplikasi formulir (xlsx, xls, ods atau csv), satu baris per "
               f"jawaban: kolom 'Kode Program', kolom nilai kepuasan (1 sampai skala), "
               f"opsional kolom 'Saran'. Minimum {row.min_respondents} responden per program "
               "(pengaturan edisi).")
    upload = st.file_uploader("File survei", type=["xlsx", "xls", "ods", "csv"],
                              key=f"survei_file_{row.year}")
    c1, c2 = st.columns(2)
    scale = c1.number_input("Skala jawaban (nilai tertinggi)", min_value=2, max_value=100,
                            value=5, step=1, key=f"survei_skala_{row.year}")
    accept = c2.checkbox("Muat walau ada program di bawah minimum responden",
                         key=f"survei_terima_{row.year}",
                         help="Program itu ditandai dan tidak dihitung dalam usulan Impact.")
    b1, b2 = st.columns(2)
    check = b1.button("Uji coba", key=f"survei_uji_{row.year}", disabled=upload is None)
    load = b2.button("Muat survei", type="primary", key=f"survei_muat_{row.year}",
                     disabled=upload is None)
    if upload is None or not (check or load):
        return
    content = upload.getvalue()
    with st.spinner("Membaca file survei…"):  # parsed before the database lock is taken
        parsed = read_survey(content, upload.name)
    call = functools.partial(import_survey, region=region, year=row.year, actor=actor,
                             archive=data.archive(), scale_max=float(scale),
                             accept_below_minimum=accept, dry_run=not load, read=parsed)
    result = data.write(call, content, upload.name) if load else data.read(call, content,
                                                                           upload.name)
    if not result.ok:
        st.error(md_text(result.message))
        st.dataframe(pd.DataFrame([i.as_row() for i in result.issues]), hide_index=True,
                     width="stretch")
        return
    if result.status == "loaded":
        st.session_state["_evaluasi_pesan"] = result.message
        st.rerun()
    st.info(md_text(result.message))
    if len(result.programs):
        st.dataframe(pd.DataFrame({
            "Program": result.programs["program_code"],
            "Responden": result.programs["n_respondents"].astype(int),
            "Kepuasan (rata-rata)": result.programs["satisfaction"].map(_num),
        }), hide_index=True, width="stretch")


def output_section(region: str, row: store.EditionRow, can_edit: bool, actor: str | None,
                   proposal: en.Proposal | None) -> None:
    """Output: the checklist with its evidence, and the budget per dimension."""
    st.markdown("#### Output: checklist dan bukti")
    pack = data.cached(evp.pack_data, region, row.year)
    table = evp.checklist_table(pack) if pack else pd.DataFrame()
    if len(table):
        st.dataframe(table.drop(columns=["Sidik arsip"]), hide_index=True, width="stretch")
    found = data.cached(store.evidence, region, row.year)
    documents = found[found["file_hash"].notna()]
    for r in documents.itertuples(index=False):
        mime = ev.DOCUMENT_TYPES.get(str(r.file_type), (b"", "application/octet-stream"))[1]
        st.download_button(f"Unduh bukti: {md_text(r.file_name)}",
                           functools.partial(_archived, str(r.archive_path)),
                           file_name=_safe_name(str(r.file_name), str(r.file_type)),
                           mime=mime, on_click="ignore", key=f"bukti_{r.evidence_id}",
                           icon=":material/download:")
    if proposal is not None:
        b = proposal.budget
        st.caption("Anggaran per dimensi dari laporan realisasi anggaran OPD (halaman "
                   f"Anggaran), {proposal.asof.label}:")
        st.dataframe(pd.DataFrame({
            "Dimensi": b["dimension_name"], "Program dengan pagu": b["n_programs"],
            "Pagu": b["pagu"].map(rupiah), "Realisasi": b["realisasi_ytd"].map(rupiah),
            "Serapan": b["absorption_pct"].map(persen),
        }), hide_index=True, width="stretch")
    if not (can_edit and actor):
        return
    with st.expander("Tambah bukti", icon=":material/attach_file:"):
        with st.form(f"bukti_{row.year}", clear_on_submit=True, border=False):
            item = st.selectbox("Butir", [i for i, _ in ev.EVIDENCE_ITEMS],
                                format_func=ev.EVIDENCE_LABELS.get, key=f"bukti_butir_{row.year}")
            upload = st.file_uploader("Dokumen (PDF, PNG atau JPEG, paling besar "
                                      f"{ev.MAX_EVIDENCE_BYTES // 2**20} MB)",
                                      type=["pdf", "png", "jpg", "jpeg"],
                                      key=f"bukti_file_{row.year}")
            link = st.text_input("atau tautan (https://…)", key=f"bukti_tautan_{row.year}")
            note = st.text_input("Keterangan (mis. nomor dan tanggal SK)",
                                 key=f"bukti_ket_{row.year}")
            sent = st.form_submit_button("Simpan bukti", type="primary")
        if sent:
            try:
                _write(store.add_evidence, region, row.year, item, actor=actor,
                       archive=data.archive(), note=note.strip() or None,
                       url=link.strip() or None,
                       data=upload.getvalue() if upload is not None else None,
                       file_name=upload.name if upload is not None else None)
            except store.EvaluationRefused as exc:
                st.error(f"Bukti tidak disimpan: {md_text(str(exc))}")
                return
            st.session_state["_evaluasi_pesan"] = "Bukti disimpan."
            st.rerun()
        if len(found):
            labels = {int(r.evidence_id): f"{ev.EVIDENCE_LABELS[r.item]}: "
                      f"{r.file_name if isinstance(r.file_name, str) else r.url}"
                      for r in found.itertuples(index=False)}
            gone = st.selectbox("Lepas bukti", list(labels), format_func=labels.get,
                                index=None, key=f"bukti_lepas_{row.year}",
                                placeholder="pilih bukti yang dilepas")
            if gone is not None and st.button("Lepas", key=f"bukti_lepas_ok_{row.year}"):
                _write(store.remove_evidence, int(gone), actor=actor)
                st.session_state["_evaluasi_pesan"] = "Bukti dilepas dari checklist."
                st.rerun()


def _archived(rel: str) -> bytes:
    """An archived file's bytes (read when the download is clicked)."""
    return data.archive().read(rel)


def _safe_name(name: str, kind: str) -> str:
    """A download name of letters, digits, '-', '_' and '.', with the extension of the type
    the bytes were recognised as."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.rsplit(".", 1)[0]).strip("._")[:80]
    return f"{stem or 'bukti'}.{'jpg' if kind == 'jpeg' else kind}"


def pack_section(region: str, row: store.EditionRow) -> None:
    """The evidence pack: one Excel and one PDF following the self-assessment's structure."""
    st.markdown("#### Paket bukti penilaian mandiri")
    st.caption("Satu Excel dan satu PDF mengikuti susunan penilaian mandiri (Baseline, "
               "Output, Outcome, Impact, Quick Win) dengan sumber datanya, untuk dikirim dan "
               "ditayangkan pada sesi dengan asesor.")
    stem = f"paket_bukti_evaluasi_{row.year}_{region.replace('.', '')}"
    for kind, what, mime in (("xlsx", "Excel", XLSX_MIME), ("pdf", "PDF", "application/pdf")):
        key = f"_paket_{kind}_{region}_{row.year}"
        cols = st.columns([1, 1])
        if cols[0].button(f"Siapkan paket {what}", key=f"siapkan_paket_{kind}"):
            with st.spinner(f"Menyiapkan paket {what}…"):
                pack = data.read(evp.pack_data, region, row.year)
                content = evp.pack_workbook(pack) if kind == "xlsx" else evp.pack_pdf(pack)
            st.session_state[key] = (data.data_version(), content)
        ready = st.session_state.get(key)
        if ready and ready[0] == data.data_version():
            cols[1].download_button(f"Unduh paket {what}", ready[1], file_name=f"{stem}.{kind}",
                                    mime=mime, type="primary", on_click="ignore",
                                    key=f"unduh_paket_{kind}", icon=":material/download:")


def public_section(region: str, can_edit: bool, actor: str | None) -> None:
    """The public page of the region: on or off (off by default), switched by the admin."""
    st.markdown("#### Halaman publik untuk warga")
    enabled = data.cached(store.public_enabled, region)
    st.caption("Tanpa masuk akun, hanya baca: program, capaian per dimensi dan desa/kelurahan "
               "yang sudah beroperasi. Tidak menampilkan kendala, akun, file, atau tautan "
               "unggah. Alamatnya: /publik.")
    if not (can_edit and actor):
        st.caption("Halaman publik " + ("dibuka." if enabled else "ditutup."))
        return
    wanted = st.toggle("Buka halaman publik wilayah ini", value=enabled,
                       key=f"publik_{region}")
    if wanted != enabled:
        _write(store.set_public, region, wanted, actor=actor)
        st.session_state["_evaluasi_pesan"] = ("Halaman publik dibuka." if wanted
                                               else "Halaman publik ditutup.")
        st.rerun()
    if enabled:
        st.page_link("pages/publik.py", label="Lihat halaman publik", icon=":material/public:",
                     query_params={"wilayah": region})


def main() -> None:
    """The page."""
    user = session.require("meetings")
    st.title("Evaluasi Smart City")
    st.caption("Evaluasi tahunan Gerakan Smart City (Kominfo/Komdigi): lima dimensi dengan "
               "bobot per edisi menjadi Indeks Pencapaian. Outcome dan Quick Win diusulkan "
               "dari data pemantauan pada batas data yang dipilih.")
    message = st.session_state.pop("_evaluasi_pesan", None)
    if message:
        st.success(message, icon=":material/check_circle:")
    flt = filters.current()
    if not flt.has_masterplan:
        st.info("Evaluasi dapat disiapkan setelah masterplan dimuat.")
        return
    region = flt.region
    can_edit = user.can(EDIT) and user.region_code in (None, region)
    actor = user.username if can_edit else None
    with components.busy_guard(stop=True, catch_all=True):
        st.markdown("#### Edisi evaluasi")
        years = overview_section(region)  # type: ignore[arg-type]
        if can_edit and actor:
            with st.expander("Buat edisi evaluasi baru", icon=":material/add:"):
                edition_form(region, actor, None, years)  # type: ignore[arg-type]
        if not years:
            if not can_edit:
                st.caption("Edisi evaluasi dibuat oleh admin Diskominfo.")
            public_section(region, can_edit, actor)  # type: ignore[arg-type]
            return
        if st.session_state.get(YEAR_KEY) not in years:
            st.session_state[YEAR_KEY] = years[0]
        year = st.selectbox("Edisi", years, key=YEAR_KEY)
        row = data.cached(store.edition, region, year)
        proposal = data.cached(en.proposal, region, year)
        st.markdown(f"#### Edisi {year}")
        if row.note:
            st.caption(md_text(row.note))
        scores_section(region, row, can_edit, actor,  # type: ignore[arg-type]
                       proposal.scores if proposal else {})
        if can_edit and actor:
            with st.expander("Ubah bobot, skala dan minimum responden",
                             icon=":material/tune:"):
                edition_form(region, actor, row, years)  # type: ignore[arg-type]
            with st.expander("Batas data usulan", icon=":material/event:"):
                cutoff_form(region, row, actor)  # type: ignore[arg-type]
            with st.expander("Impor survei warga (Impact)", icon=":material/forum:"):
                survey_import(region, row, actor)  # type: ignore[arg-type]
        proposal_section(proposal, row)
        output_section(region, row, can_edit, actor, proposal)  # type: ignore[arg-type]
        pack_section(region, row)  # type: ignore[arg-type]
        public_section(region, can_edit, actor)  # type: ignore[arg-type]
    if not can_edit:
        st.caption("Halaman ini hanya dapat dibaca untuk peran Anda; edisi, nilai dan batas "
                   "data diatur oleh admin Diskominfo.")


nav.ensure_routed()
main()
