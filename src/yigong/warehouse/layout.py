"""The Parquet warehouse layout, shared by the Spark backend and the DuckDB export::

<root>/_yigong.json          layout version, pseudonym key fingerprint, tables and rows
<root>/<table>.parquet       one file per table (what the DuckDB export writes), or
<root>/<table>/*.parquet     one dataset per table (what Spark writes; may be partitioned)
"""

from __future__ import annotations

MANIFEST = "_yigong.json"
#: version of the layout above.
LAYOUT_VERSION = 1
