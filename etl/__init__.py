"""ETL: read, validate and load OPD workbooks into DuckDB; templates; demo data."""
