"""Unggah Data: download a template, upload workbooks, check them (dry run), then load."""

from __future__ import annotations

import dataclasses
import functools
from datetime import date

import streamlit as st

from etl.e81_export import e81_bytes
from etl.load import LoadResult
from monev.domain.text import tw_label
from monev.ui import components, data, filters, nav, session, upload
from monev.ui.format import md_text

XLSX_MIME = components.XLSX_MIME
XLSM_MIME = "application/vnd.ms-excel.sheet.macroEnabled.12"
ALL = "Semua (sesuai isi file)"
TYPES = ["xlsx", "xlsm", "xls", "ods"]


def _progress_bar(verb: str):
    bar = st.progress(0.0, text=f"{verb} file…")

    def update(i: int, n: int, name: str) -> None:
        if i >= n:
            bar.progress(1.0, text=f"Selesai: {n} file.")
        else:
            bar.progress(i / max(n, 1), text=f"{verb} file {i + 1} dari {n}: {name}")

    return bar, update


def _period_label(code: str) -> str:
    """'2026-3' -> 'TW III 2026'; '' -> 'Semua (sesuai isi file)'."""
    return f"{tw_label(int(code[5:]))} {code[:4]}" if code else ALL


def template_section(opts: filters.FilterOptions, region: str | None,
                     own_region: str | None = None, own_opd: str | None = None) -> None:
    """Step 1: the pre-filled quarterly report template and the blank masterplan template
    (with the region's code: the chosen one, else the account's own). An operator's account
    (``own_opd``) is offered its own OPD's template only."""
    if region is None:
        st.info("Belum ada masterplan yang dimuat. Unduh template masterplan, isi, lalu "
                "unggah di langkah 2. Setelah itu template laporan triwulan tiap OPD tersedia.")
    else:
        st.write("Template laporan triwulan sudah terisi program, indikator, dan target OPD. "
                 "OPD cukup mengisi sel berwarna kuning.")
        # Default: the quarter OPDs report now (the last one that has ended).
        year0, tw0 = filters.default_period([], opts.years, date.today())
        offered = [own_opd] if own_opd else list(opts.opds)
        # a row of its own: a long name ("Bappeda Litbang – Badan Perencanaan …") was cut in
        # three fifths of a 1280 px screen
        opd = st.selectbox("Perangkat Daerah (OPD)", offered, key="tpl_opd",
                           placeholder="Pilih OPD", format_func=lambda c: opts.opds.get(c, c))
        c2, c3, _ = st.columns([1, 1, 3])
        year = c2.selectbox("Tahun", opts.years, key="tpl_tahun",
                            index=opts.years.index(year0))
        tw = c3.selectbox("Triwulan", (1, 2, 3, 4), key="tpl_tw", format_func=tw_label,
                          index=tw0 - 1)
        if opd is not None:
            # Built when clicked (a callable), not on every run of the page.
            st.download_button(
                f"Unduh template laporan {opd} {tw_label(tw)} {year}",
                functools.partial(data.read, upload.laporan_template_bytes, region, opd,
                                  year, tw),
                file_name=f"laporan_{opd}_{year}_TW{tw}.xlsx", mime=XLSX_MIME,
                on_click="ignore", type="primary", icon=":material/download:",
                key="tpl_laporan")
            # The form the OPD hands in anyway (Permendagri 86/2017), from what is loaded.
            st.download_button(
                f"Unduh formulir E.81 {opd} s.d. {tw_label(tw)} {year} (terisi dari data)",
                functools.partial(data.read, e81_bytes, region, opd, year, tw),
                file_name=f"E81_{opd}_{year}_TW{tw}.xlsx", mime=XLSX_MIME,
                on_click="ignore", icon=":material/download:", key="tpl_e81")
    st.download_button("Unduh template masterplan (kosong)",
                       functools.partial(upload.masterplan_template_bytes,
                                         region or own_region or ""),
                       file_name="template_masterplan.xlsx", mime=XLSX_MIME,
                       on_click="ignore", icon=":material/download:", key="tpl_masterplan")


def show_result(result: LoadResult, key: str) -> None:
    """One real load's outcome: success with counts, or the problems found."""
    if result.status in ("loaded", "restored"):
        st.success(md_text(result.message), icon=":material/check_circle:")
    elif result.status == "unchanged":
        st.info(md_text(result.message))
    else:
        st.error(md_text(result.message), icon=":material/error:")
        if result.issues:
            components.table(upload.issues_table(result.issues), key=key,
                             row_height=components.WRAP_ROW_PX)


def show_checked(item: upload.Checked, i: int) -> None:
    """One file after its dry run: summary and changes, or its problems and a marked copy."""
    with st.container(border=True):
        st.markdown(f"**{i + 1}. {md_text(item.name)}** — {item.status_label}")
        result = item.result
        if item.loadable:
            st.info(md_text(result.message), icon=":material/fact_check:")
            table = upload.diff_table(result)
            if not table.empty:
                st.caption("Perubahan dibanding data yang sedang aktif:")
                st.dataframe(table, hide_index=True, key=f"diff_{i}")
            if result.removed:
                st.checkbox(f"Ya, hapus {result.removed_text()} dari muatan "
                            f"#{result.supersedes} yang tidak ada di file ini",
                            key=removal_key(item))
        elif result.status == "unchanged":
            st.info(md_text(result.message), icon=":material/info:")
        else:
            st.error(md_text(result.message), icon=":material/error:")
            if item.proposals:
                mapping_form(item, i)
            problems = upload.issues_table(result.issues)
            components.table(problems, key=f"issues_{i}", row_height=components.WRAP_ROW_PX,
                             column_config={"Pesan": st.column_config.TextColumn(width="large")})
            row = st.container(horizontal=True)
            if item.annotated is not None:
                mime = XLSM_MIME if item.annotated.file_name.endswith(".xlsm") else XLSX_MIME
                row.download_button(
                    "Unduh salinan file dengan sel bermasalah ditandai",
                    item.annotated.data, file_name=item.annotated.file_name, mime=mime,
                    on_click="ignore", icon=":material/download:", type="primary",
                    key=f"annotated_{i}")
            with row:
                components.download_buttons(problems, f"masalah_{item.name}",
                                            key=f"dl_issues_{i}", what="daftar masalah")


UNMAPPED, SKIP = "", "-"


def mapping_form(item: upload.Checked, i: int) -> None:
    """The texts of an E.81 form not mapped yet, each with its best suggestions in a
    dropdown; an admin confirms them all at once, then the file is checked again."""
    st.markdown("**Pemetaan nama** — program dan indikator di formulir ini yang belum "
                "dikenali. Pilih kode masterplan yang dimaksud (sekali saja: unggahan "
                "berikutnya memakai pemetaan ini), atau *bukan bagian masterplan* agar barisnya "
                "dilewati.")
    user = session.current_user()
    if user is None or not user.can("upload_any_opd"):
        st.info("Pemetaan nama disimpan oleh admin Diskominfo. Kirimkan file ini kepada admin, "
                "atau minta admin memetakannya lebih dulu.", icon=":material/info:")
        return
    with st.form(f"pemetaan_{i}", border=False):
        chosen = []
        for j, p in enumerate(item.proposals):
            labels = {o.code: f"{o.code} — {o.name} (kemiripan {o.score})" for o in p.options}
            labels |= {UNMAPPED: "— belum dipetakan —", SKIP: "Bukan bagian masterplan (lewati)"}
            options = [UNMAPPED, *(o.code for o in p.options), SKIP]
            best = p.best.code if p.best else UNMAPPED
            code = st.selectbox(f"{'Program' if p.kind == 'program' else 'Indikator'} "
                                f"(baris {p.row}): {p.text}", options,
                                index=options.index(best), format_func=labels.get,
                                key=f"peta_{item.sha[:12]}_{j}")
            chosen.append((p.region, p.kind, p.text, code))
        saved = st.form_submit_button("Simpan pemetaan lalu periksa ulang", type="primary",
                                      icon=":material/link:")
    if saved:
        rows = [row for row in chosen if row[3] != UNMAPPED]
        try:
            done = upload.save_mapping(rows, upload.current_actor())
        except upload.MappingRefused as exc:
            st.error(md_text(str(exc)), icon=":material/error:")
            return
        st.session_state["pemetaan_tersimpan"] = (f"Pemetaan disimpan: {done.added} baru, "
                                                  f"{done.changed} dikoreksi.")
        st.session_state.pop("unggah_checked", None)  # the usual dry run, with the mapping
        st.rerun()


def removal_key(item: upload.Checked) -> str:
    """The session key of a file's confirmation that rows of the load it replaces go."""
    return f"hapus_{item.sha[:16]}_{item.result.removed}"


def received_input(column, can_state: bool) -> date | None:  # noqa: ANN001 - a column
    """The received date an admin may state (default today); None for any other role, whose
    reports are received on the day they are uploaded (the loader refuses their dates)."""
    if not can_state:
        column.caption("Tanggal diterima: tanggal unggah. Hanya admin Diskominfo yang dapat "
                       "menyatakan tanggal lain.")
        return None
    return column.date_input(
        "Tanggal diterima", value=date.today(), max_value=date.today(), format="DD/MM/YYYY",
        key="exp_diterima",
        help="Tanggal laporan diterima Diskominfo (menentukan keterlambatan). Biarkan hari "
             "ini, kecuali laporan sudah diterima lebih awal (misalnya lewat surat). Tanggal "
             "lain dicatat di Jejak Audit atas nama Anda, dan tidak boleh lebih awal dari "
             "tanggal diterima unggahan pertama laporan itu.")


def upload_section(opts: filters.FilterOptions, region: str | None,
                   can_state: bool = False) -> None:
    """Step 2 and 3: upload, dry run, and the confirm button (``can_state``: the user may
    state the received date)."""
    st.subheader("2. Unggah dan periksa", divider="gray")
    done: list[LoadResult] | None = st.session_state.get("unggah_results")
    if done:
        st.markdown("**Hasil pemuatan terakhir**")
        for k, result in enumerate(done):
            show_result(result, key=f"done_{k}")
        st.page_link("pages/riwayat.py", label="Lihat riwayat unggah",
                     icon=":material/history:")
    n = st.session_state.setdefault("uploader_n", 0)
    files = st.file_uploader(
        "Pilih satu atau beberapa file (xlsx, xlsm, xls, ods; maksimal 50 MB per file)",
        type=TYPES, accept_multiple_files=True, key=f"uploader_{n}")
    c1, c2, c3 = st.columns([2, 2, 1])
    # "" stands for "as the file says": a None option would show Streamlit's English placeholder.
    opd = c1.selectbox("File ini untuk OPD", ["", *opts.opds], key="exp_opd",
                       format_func=lambda c: opts.opds.get(c, c) if c else ALL) or None
    periods = [""] + [f"{y}-{t}" for y in sorted(opts.years, reverse=True) for t in (4, 3, 2, 1)]
    picked = c2.selectbox("Periode", periods, key="exp_periode", format_func=_period_label)
    period = (int(picked[:4]), int(picked[5:])) if picked else None
    received = received_input(c3, can_state)
    if not files:
        st.caption("File diperiksa dahulu (uji coba) tanpa mengubah data. Data baru dimuat "
                   "setelah Anda menekan tombol **Muat ke database**.")
        return
    st.session_state.pop("unggah_results", None)
    # An OPD picked here is an OPD of the region chosen above: a file of another region fails.
    expect = upload.expectation(region=region if opd else None, opd=opd, period=period)
    signature = (tuple((f.file_id, f.name, f.size) for f in files), expect, received,
                 data.data_version())
    stored = st.session_state.get("unggah_checked")
    if stored and stored[0] == signature:
        checked: list[upload.Checked] = stored[1]
    else:
        bar, update = _progress_bar("Memeriksa")
        checked = upload.check_files([(f.name, f.getvalue()) for f in files], expect,
                                     received, update)
        bar.empty()
        st.session_state["unggah_checked"] = (signature, checked)
    if note := st.session_state.pop("pemetaan_tersimpan", None):
        st.success(note, icon=":material/link:")
    ready = [c for c in checked if c.loadable]
    rejected = [c for c in checked if c.result.status == "rejected"]
    st.markdown(f"**Hasil uji coba:** {len(ready)} file siap dimuat, {len(rejected)} ditolak, "
                f"{len(checked) - len(ready) - len(rejected)} tidak berubah.")
    for i, item in enumerate(checked):
        show_checked(item, i)
    st.subheader("3. Muat ke database", divider="gray")
    if rejected and ready:
        st.caption("File yang ditolak tidak ikut dimuat; perbaiki lalu unggah ulang.")
    unconfirmed = [c.name for c in ready
                   if c.result.removed and not st.session_state.get(removal_key(c))]
    if unconfirmed:
        st.warning("Centang konfirmasi penghapusan baris untuk "
                   + ", ".join(f"'{md_text(n)}'" for n in unconfirmed)
                   + " sebelum memuat, atau lengkapi file itu.", icon=":material/warning:")
    if st.button("Muat ke database", type="primary", disabled=not ready or bool(unconfirmed),
                 icon=":material/database_upload:", key="muat"):
        bar, update = _progress_bar("Memuat")
        expect = dataclasses.replace(expect, removals=tuple(
            (c.sha, c.result.removed) for c in ready if c.result.removed))
        results = upload.commit(ready, upload.current_actor(), expect, received, update)
        bar.empty()
        st.session_state["unggah_results"] = results
        st.session_state.pop("unggah_checked", None)
        st.session_state["uploader_n"] = n + 1
        st.rerun()
    elif not ready:
        st.caption("Tidak ada file yang dapat dimuat.")


nav.ensure_routed()
user = session.require("upload")
st.title("Unggah Data")
st.caption("Laporan triwulan OPD dan workbook masterplan Smart City.")
with components.busy_guard(stop=True, catch_all=True):
    options = filters.options()
    # An account bound to a region sees (and may load) only that region.
    regions = {c: n for c, n in options.regions.items() if user.region_code in (None, c)}
    region = next(iter(regions), None)
    if len(regions) > 1:
        region = st.selectbox("Wilayah", list(regions), format_func=regions.get,
                              key="unggah_wilayah")
    # Options of that region; none of another region's OPDs when its masterplan is not loaded.
    options = (filters.options(region) if region is not None
               else dataclasses.replace(options, opds={}))
    if user.region_code:
        st.caption(f"Akun Anda untuk wilayah "
                   f"{md_text(regions.get(user.region_code, user.region_code))}"
                   ": file wilayah lain akan ditolak.")
    with st.expander("1. Unduh template laporan triwulan atau masterplan",
                     expanded=region is None, icon=":material/download:"), \
            components.busy_guard(catch_all=True):
        template_section(options, region, user.region_code, user.opd_code)
    with components.busy_guard(catch_all=True):
        upload_section(options, region, user.can("received_date"))
