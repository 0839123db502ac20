"""Monev Smart City: the Streamlit router (placeholder until the dashboard pages land)."""

import streamlit as st

st.set_page_config(page_title="Monev Smart City", layout="wide")
st.navigation([st.Page("pages/ringkasan.py", title="Ringkasan", default=True)]).run()
