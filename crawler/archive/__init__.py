"""The Parquet archive: schemas, storage, change detection and raw captures."""
