"""Monev Smart City core package: schema, queries and domain rules."""
