"""Pengaturan (admin): the rule settings of the region or of every region, changed in one form.

Storyboard: whose settings (every region or one) → the values in force, with where each comes
from → the form, one group per topic, previewed (what the values would change in the figures)
or saved at once (checked, written and audited as one) → the history of changes. A region's
value wins over the national one, which wins over the default; evaluation meetings keep the
rules they were created with.
"""

from __future__ import annotations

import streamlit as st

from monev.engine import AsOf, rule_impact
from monev.store import rule_settings as rs
from monev.ui import components, data, filters, nav, session
from monev.ui import settings_form as sf
from monev.ui.format import md_text

FLASH_KEY = "_pengaturan_disimpan"
FIELD_PREFIX = "set_"

nav.ensure_routed()
admin = session.require("settings")

st.title("Pengaturan")
st.caption("Ambang pita capaian, tanda tertinggal, batas waktu laporan dan kalender anggaran "
           "desa. Nilai wilayah menimpa nilai nasional, nilai nasional menimpa bawaan. Semua "
           "halaman langsung memakai nilai baru; rapat evaluasi yang sudah dibuat tetap "
           "memakai aturan saat rapat dibuat, dan Perbandingan Wilayah memakai nilai nasional.")

with components.busy_guard(stop=True):
    regions = filters.options().regions
choices = ([admin.region_code] if admin.region_code else
           [rs.NATIONAL, *regions])
default = admin.region_code or (next(iter(regions)) if len(regions) == 1 else rs.NATIONAL)
region = st.selectbox("Berlaku untuk", choices, index=choices.index(default),
                      format_func=lambda r: sf.scope_label(r, regions), key="pengaturan_wilayah")

with components.busy_guard(stop=True):
    # Read again after every write: what this form saves shows at once.
    items, own, changes_so_far = data.latest(sf.settings_state, region)
by_name = {i.name: i for i in items}

st.subheader("Nilai yang berlaku", divider="gray")
st.dataframe(sf.effective_table(items), hide_index=True, width="stretch")

st.subheader("Ubah", divider="gray")
# Each input is keyed by the value it shows, so a saved value refills it (the browser would
# otherwise keep what was typed) while an unsaved entry survives a refused save.
prefix = f"{FIELD_PREFIX}{region}_"
with st.form("pengaturan"):
    typed = {}
    for group, names in sf.GROUPS:
        st.markdown(f"**{group}**")
        cols = st.columns(2)
        for i, name in enumerate(names):
            with cols[i % 2]:
                typed[name] = sf.field(by_name[name], f"{prefix}{name}_{by_name[name].value}")
    reset = st.multiselect(
        "Kembalikan ke nilai nasional/bawaan", [n for n in rs.EDITABLE if n in own],
        format_func=sf.LABELS.get, key=f"{prefix}kembali_{sorted(own)}",
        placeholder="Pilih nilai yang disimpan" if own else "Belum ada nilai yang disimpan",
        help="Hapus nilai yang disimpan untuk pilihan 'Berlaku untuk' di atas.")
    buttons = st.container(horizontal=True)
    previewed = buttons.form_submit_button(
        "Pratinjau dampak", icon=":material/preview:",
        help="Hitung apa yang berubah pada data saat ini, tanpa menyimpan.")
    saved = buttons.form_submit_button("Simpan pengaturan", type="primary")


def show_preview(wanted: dict[str, object]) -> None:
    """What the typed values would change in one region's figures, before anything is saved."""
    target = region if region != rs.NATIONAL else next(iter(regions)) if len(regions) == 1 \
        else None
    if target is None:
        st.info("Pratinjau dihitung untuk satu wilayah: pilih wilayahnya di 'Berlaku untuk'.",
                icon=":material/info:")
        return
    before, after = data.read(lambda con: rs.preview(con, region, wanted, target))
    options = filters.options(target)
    asof = AsOf.latest(options.default_year, options.default_tw)
    impact = data.read(rule_impact, target, asof, before, after)
    st.subheader("Pratinjau dampak (belum disimpan)", divider="gray")
    st.caption(f"{md_text(regions.get(target, target))} · {asof.label} · data saat ini")
    changed = impact[impact["changed"]]
    if changed.empty:
        st.info("Nilai ini tidak mengubah pita capaian maupun tanda peringatan pada data saat "
                "ini.", icon=":material/info:")
        return
    st.dataframe(sf.impact_table(changed), hide_index=True, width="stretch")
    st.caption(f"{len(impact) - len(changed)} ukuran lain tidak berubah.")


if message := st.session_state.pop(FLASH_KEY, None):    # beside the button just pressed
    st.success(message, icon=":material/check_circle:")
if saved or previewed:
    try:
        typed["extra_holidays"] = sf.parse_holidays(str(typed["extra_holidays"]))
        wanted = {n: v for n, v in typed.items() if v != by_name[n].value}
        wanted.update(dict.fromkeys(reset))
        with components.busy_guard():
            if not wanted:
                st.info("Tidak ada nilai yang berubah.", icon=":material/info:")
            elif previewed:
                show_preview(wanted)
            elif diff := data.write(lambda con: rs.change(
                    con, region, wanted, actor=admin.username, scope=admin.region_code)):
                # shown as Markdown: the region's name (from its masterplan) escaped
                st.session_state[FLASH_KEY] = sf.saved_message(diff, sf.scope_label(
                    region, {c: md_text(n) for c, n in regions.items()}))
                st.rerun()
            else:
                st.info("Tidak ada nilai yang berubah.", icon=":material/info:")
    except (sf.HolidayError, rs.SettingRejected) as exc:
        st.error(f"{'Tidak dapat dipratinjau' if previewed else 'Tidak disimpan'}: {exc}",
                 icon=":material/error:")

st.subheader("Riwayat perubahan", divider="gray")
if changes_so_far:
    st.dataframe(sf.history_table(changes_so_far, regions), hide_index=True, width="stretch")
else:
    st.caption("Belum ada perubahan pengaturan yang tercatat.")
