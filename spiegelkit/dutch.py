"""Numbers, money and dates as a Dutch reader expects them (1.234,5 / € 154,75 / 12 maart 2026)."""

from __future__ import annotations

import datetime as dt
import math

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]


def number(value, decimals: int = 0) -> str:
    """``1234.5`` -> ``'1.234,5'``; missing values become an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(value, decimals: int = 1) -> str:
    return "–" if value is None or value != value else f"{number(value, decimals)}%"


def euro(value, decimals: int = 2) -> str:
    return "–" if value is None or value != value else f"€ {number(value, decimals)}"


def date(value: dt.date) -> str:
    """``2026-03-12`` -> ``'12 maart 2026'``."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
