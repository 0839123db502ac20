"""Offline reports generated from a meeting's frozen view (Excel and PDF)."""
