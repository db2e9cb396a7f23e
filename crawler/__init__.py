"""ncmes-archive: a versioned Parquet archive of the ncmes.org website."""

import os

__version__ = "0.1.0"

# Arrow's default allocator (mimalloc) keeps what it frees for the thread that allocated
# it, and Parquet reads and writes allocate in Arrow's own threads, out of reach of
# release_unused(): every snapshot of a crawl then added to its resident memory for good.
# The archive's tables are small (a checkpoint's rows, a snapshot chunk): the system
# allocator gives memory back at no measurable cost. Arrow reads this when it is first
# loaded, so it is set before any module of the project imports pyarrow; a value the
# environment already sets is kept.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

# The command line's first lines: an interrupt while it loads is one line, not a traceback
# (only when this process is the command line; importers are left alone).
from crawler.interrupts import quiet_while_loading  # noqa: E402

quiet_while_loading()
