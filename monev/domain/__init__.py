"""Pure domain rules of Monev Smart City: capaian, bands, accumulation, working days,
village budget calendar, flags and roll-ups.

Only the standard library, pandas and holidays are imported here: no streamlit, duckdb or plotly.
"""
