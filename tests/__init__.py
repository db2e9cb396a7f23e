"""The test suite (a package, so that `tests` names it and not another distribution's)."""
