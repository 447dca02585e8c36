"""Numbers, money and dates as a Dutch reader expects them (1.234,5 / € 154,75 / 12 maart 2026)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from spiegelkit.stats.significance import POLARITIES, _choose, _judge, _map_codes

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]


def number(value, decimals: int = 0) -> str:
    """``1234.5`` -> ``'1.234,5'``; missing values become an en dash.

    A :class:`~decimal.Decimal` (money) is rounded exactly, half up (``0.125`` -> ``0,13``),
    and never shows as ``-0``; other numbers go through float formatting.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, Decimal):
        if value.is_nan():
            return "–"
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        text = f"{abs(value) if value.is_zero() else value:,.{decimals}f}"
    else:
        text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(value, decimals: int = 1) -> str:
    return "–" if value is None or value != value else f"{number(value, decimals)}%"


def euro(value, decimals: int = 2) -> str:
    """``Decimal("1676")`` -> ``'€ 1.676,00'``, ``-150`` -> ``'€ -150,00'``: the one owner of
    Dutch money notation (the minus follows the euro sign, as in CLDR ``nl``)."""
    return "–" if value is None or value != value else f"€ {number(value, decimals)}"


def tariff(value) -> str:
    """A tariff exactly as given, Dutch, with at least two decimals once it has a fraction:
    ``Decimal("1.2")`` -> ``'1,20'``, ``12`` -> ``'12'``, ``Decimal("0.025")`` -> ``'0,025'``."""
    value = Decimal(str(value))
    if value != value.to_integral_value() and -value.as_tuple().exponent < 2:
        value = value.quantize(Decimal("0.01"))
    return format(value, "f").replace(".", ",")


def date(value: dt.date) -> str:
    """``2026-03-12`` -> ``'12 maart 2026'``."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"



def confidence_text(confidence: float) -> str:
    return f"{number(confidence * 100, 1 if confidence > 0.99 else 0)}%"


# Interval methods as the handout names them (the statistics label their results in English).
_METHODS_NL = {
    "Wilson score": "Wilson",
    "exact Poisson (Garwood)": "exact volgens Poisson (Garwood)",
    "Byar": "Byar",
    "Dobson, Byar limits for the total count": "Dobson, met Byar-grenzen voor het totale aantal",
}


def method_name(method: str) -> str:
    """The Dutch display name of an interval method label of :mod:`spiegelkit.stats`:
    ``"normal approximation, CV 3.0"`` -> ``"normale benadering, spreiding (CV) 3,0"``.
    An unknown label is returned as it is."""
    method = str(method)
    if method.startswith("normal approximation, CV "):
        cv = method.removeprefix("normal approximation, CV ")
        try:
            cv = number(float(cv), 1)
        except ValueError:
            pass
        return f"normale benadering, spreiding (CV) {cv}"
    return _METHODS_NL.get(method, method)


# Long Dutch compounds in names and headings, with the places where a line may break.
SOFT_HYPHEN = "\u00ad"
_COMPOUND_PARTS = ("huisartsen", "gezond", "gezondheids", "groeps", "praktijk", "centrum", "medisch",
                   "specialist", "zorg", "apotheek", "verwijzingen", "kosten", "therapie")
_LONG_WORD = 12


def breakable(text) -> str:
    """`text` with soft hyphens (U+00AD) inside long compound words, so that a narrow table
    column wraps "Huisartsenpraktijk" as "Huisartsen-/praktijk" instead of overflowing.

    A word longer than 12 letters breaks after a known part ("huisartsen", "gezondheids",
    "praktijk", ...) or, without one, roughly in its middle. Shown text is unchanged.
    """
    return " ".join(_breakable_word(word) for word in str(text).split(" "))


def _breakable_word(word: str) -> str:
    if len(word) <= _LONG_WORD or SOFT_HYPHEN in word:
        return word
    lower, cuts = word.lower(), set()
    for part in _COMPOUND_PARTS:
        start = lower.find(part)
        while start >= 0:
            for cut in (start, start + len(part)):
                if 3 <= cut <= len(word) - 3 and word[cut - 1] != "-":
                    cuts.add(cut)
            start = lower.find(part, start + 1)
    if not cuts and "-" not in word:
        cuts.add(len(word) // 2)
    pieces, last = [], 0
    for cut in sorted(cuts):
        pieces.append(word[last:cut])
        last = cut
    pieces.append(word[last:])
    return SOFT_HYPHEN.join(pieces)


# Significance in words: neutral unless judging words are asked for.

_WORDS_NL = {
    "higher": "hoger dan verwacht",
    "lower": "lager dan verwacht",
    "better": "gunstiger dan verwacht",
    "worse": "ongunstiger dan verwacht",
    "similar": "vergelijkbaar met verwacht",
    "not_judged": "verschilt van verwacht",
    "small_numbers": "te kleine aantallen voor een uitspraak",
    "not_calculated": "niet berekend",
}
_STRONGLY_NL = "duidelijk "


def _words(code: str) -> str:
    direction, _, level = code.partition("_")
    if direction in ("higher", "lower", "better", "worse"):
        return (_STRONGLY_NL if level == "998" else "") + _WORDS_NL[direction]
    return _WORDS_NL[code]


def significance_wording(codes, polarity: str = "no_judgement", wording: str = "neutral"):
    """Dutch text for significance codes; neutral unless judging words are asked for.

    Parameters
    ----------
    codes : str, array or Series
        Codes from :func:`significance_band`.
    polarity : {"high_is_good", "low_is_good", "no_judgement"}, default "no_judgement"
        Only used with ``wording="judged"``.
    wording : {"neutral", "judged"}, default "neutral"
        ``"neutral"``: "hoger dan verwacht", "lager dan verwacht", "vergelijkbaar met
        verwacht", with "duidelijk" for the 99.8% level. ``"judged"`` (opt-in): "gunstiger
        dan verwacht" / "ongunstiger dan verwacht" for indicators with a polarity; indicators
        without one keep the neutral text.

    Returns
    -------
    text
        Dutch strings in the shape of ``codes``.
    """
    _choose("polarity", polarity, tuple(POLARITIES))
    _choose("wording", wording, ("neutral", "judged"))
    judged = wording == "judged" and polarity != "no_judgement"
    return _map_codes(codes, lambda c: _words(_judge(c, polarity) if judged else c),
                      "significance_nl")
