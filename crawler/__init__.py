"""ncmes-archive: a versioned Parquet archive of the ncmes.org website."""

__version__ = "0.1.0"
