"""Plan and Act analyses: segments, journeys, complaints, SERVQUAL, comments,
training, staffing, benefits, risks and actions, and the charts that draw them.

Each module takes tidy tables (or a ticket path scanned in DuckDB) and returns
tidy DataFrames or small frozen results; none knows of the cycle file, notebooks
or reports.
"""
