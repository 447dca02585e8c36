"""The root of spiegelkit's own exceptions: ``except SpiegelkitError`` catches every one."""


class SpiegelkitError(Exception):
    """Something spiegelkit reports to its user: bad input, a group that timed out, ..."""
