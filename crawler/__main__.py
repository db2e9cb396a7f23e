"""`python -m crawler` is the ncmes-archive command."""

import sys

from crawler.cli import main

sys.exit(main())
