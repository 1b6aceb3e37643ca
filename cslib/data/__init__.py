"""The data layer: read exports, map their columns, check them against the data contract.

Raw files (CSV, Parquet, Excel, zip archives) and DataFrames become validated,
typed DuckDB views or tidy DataFrames, one per table of the contract
(:mod:`cslib.data.schema`). Nothing here knows of KPIs, statistics or notebooks.
"""

from cslib.data.tables import ReadOptions, check_table, open_table, read_table

__all__ = ["ReadOptions", "check_table", "open_table", "read_table"]
