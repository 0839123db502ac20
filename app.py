"""Monev Smart City: the Streamlit router (page config, navigation, shared sidebar filters).

Pages are declared in ``monev/ui/nav.py`` (one line each); the shared filters are rendered
here so they stay the same across pages, except on the administration pages.
"""

from pathlib import Path

import streamlit as st

from monev.ui import components, filters, nav, session

# A local SVG (sent inline as a data: URL): a ":material/...:" icon would make every browser
# fetch the favicon from a public font host, and the app runs offline.
FAVICON = Path(__file__).parent / "monev" / "ui" / "assets" / "favicon.svg"
st.set_page_config(page_title="Monev Smart City", page_icon=FAVICON,
                   layout="wide", initial_sidebar_state="expanded")

user = session.active_user()
# Signed out, every page is registered (hidden), so a bookmark resolves after the sign-in.
pages = {
    section: [st.Page(file, title=title, icon=icon, default=(file == nav.PAGES[0][0]))
              for file, title, icon in entries]
    for section, entries in (nav.sections(user.can, filters.region_count()) if user
                             else nav.sections(n_regions=2)).items()
}
# An address of a page this account may not open lands on the first page, with a sentence why.
refused = nav.take_refused(user.can) if user else None
# Resolve the requested page first, so a bookmark still opens after the sign-in form.
page = st.navigation(pages, position="sidebar" if user else "hidden", expanded=True)
components.global_style()
if user is None and nav.is_public(page.title):  # read-only, no sidebar, no account
    nav.mark_routed()
    page.run()
    st.stop()
if user is None:
    with components.busy_guard(stop=True, catch_all=True):
        session.login_page()
if nav.shows_filters(page.title):
    with components.busy_guard(stop=True, catch_all=True):
        filters.sidebar_filters(per_region=not nav.across_regions(page.title))
else:
    st.session_state.pop(filters.STATE_KEY, None)
session.sidebar_account(user)
nav.show_refused(refused, page.title)
nav.mark_routed()
page.run()
