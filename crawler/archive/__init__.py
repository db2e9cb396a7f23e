"""The Parquet archive: schemas, storage, change detection and raw captures.

Layout: schema.py (the one schema declaration), ledger.py (pure versioning), rows.py (each
row built once), files.py (the one atomic write, checked reads), journal.py (the parts of
each table), lock.py, snapshot.py and recovery.py, writer.py (`Archive`, the one writer),
reader.py (`ArchiveReader`, read-only), warc.py and cdxj.py (raw capture and its index).
"""
