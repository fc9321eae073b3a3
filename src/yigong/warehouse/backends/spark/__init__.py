"""The Spark backend: canonical tables as Parquet datasets in one directory (a Parquet
warehouse), reached through Ibis on a PySpark session, local or on a cluster.

Modules: `settings` (master, conf, code shipping; no PySpark needed), `gaps` (what Spark does not
run), `session` (start or join the session), `warehouse` (`SparkWarehouse`, the protocol).
"""
