"""Period metrics for managers: every figure one GROUP BY over the complaints.

A figure is a list of rows (a bar, a segment) with a count and a drill-down
filter: the query parameters of the manager's complaint list. Each row's count
and its drill-down come from the same SQL expression (a `Dimension`), so the
list behind a bar always holds exactly as many complaints as the bar shows.

The population is the complaints received in the period (Bangkok time) within
the units the user may see, optionally narrowed to one unit and the units below
it. Statements are plain SQLAlchemy Core that run unchanged on SQLite and
PostgreSQL; the only dialect-specific piece is `models.sql_functions.seconds_between`. On PostgreSQL
a page's figures come from three scans instead (`one_pass`), with the same counts.

The modules, each importing only those after it (`definitions`, the one definition of
each figure and 3.4 metric, imports none of them):

- `figures`: Row, Figure, every figure of the dashboard and `dashboard()` itself;
- `one_pass`: a dimension's counts over a scope, one GROUP BY or the page's one pass;
- `dimensions`: the SQL expression and drill-down filter of each dimension, the buckets;
- `scope`: which complaints a figure counts (who asks, which period, which units).
"""
