"""The only Streamlit and plotly code of the product: data access, formats, theme, widgets."""
