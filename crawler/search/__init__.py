"""Search, show, history and browse: the read side that finds things in the archive."""
