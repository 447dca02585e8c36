"""What-if calculators for the money around Praktijkspiegel meetings.

Two questions a group asks before and after its meetings:

1. **Supplement and facilitation fee.** The insurer pays a supplement per registered
   patient per year (its module); a regional support organisation (ROS) charges a
   facilitation fee per meeting, per practice plus per registered patient. What is left per
   practice and for the group, and from which list size does the supplement cover the fee?
   The tariffs are data: :meth:`Tariffs.of` an :class:`~spiegelkit.inputs.organisation.Organisation`;
   ``Tariffs()`` takes those of the kit's default organisation file
   (``spiegelkit/data/organisation.yaml``, the seeds' figures). With them a normpraktijk of
   2,095 patients receives EUR 1,676.00 and pays EUR 154.75 per meeting, EUR 464.25 for three.

2. **Care costs.** If a practice's index moved to the group median or to the national
   value (100), how large would the yearly difference be? Shown as a range carried by the
   confidence interval, never as a promised saving (:func:`care_cost_whatif`).

Money is exact: :class:`decimal.Decimal`, rounded half up to whole cents. Each meeting is
invoiced on its own, so the fee per meeting is rounded to cents first and the fee per year
is that amount times the number of meetings.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pandas as pd

from spiegelkit import dutch
from spiegelkit.inputs.organisation import Organisation, default_organisation

CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")

#: The money fields of one practice (and of the group totals), in table order.
MONEY_FIELDS = ("supplement_per_year", "fee_per_meeting", "fee_per_year", "net_per_year")

#: Column names of :func:`costs_table`, in order.
TABLE_COLUMNS = ("practice", "registered_patients", *MONEY_FIELDS)

#: Dutch column headings for the plain-text table of :func:`render_costs_text`.
TEXT_HEADINGS = {
    "practice": "praktijk",
    "registered_patients": "patiënten",
    "supplement_per_year": "opslag per jaar",
    "fee_per_meeting": "begeleiding per bijeenkomst",
    "fee_per_year": "begeleiding per jaar",
    "net_per_year": "netto per jaar",
}

#: Label of the totals row in tables and text.
TOTALS_LABEL = "Totaal groep"


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------

def _as_decimal(value, what: str, hint: str) -> Decimal:
    """``value`` as a finite Decimal (ints, strings and floats via their text), else ValueError."""
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{what} must be {hint}; got {value!r}.") from None
    if not number.is_finite():
        raise ValueError(f"{what} must be {hint}; got {value!r}.")
    return number


def whole_number(value, what: str, minimum: int = 0) -> int:
    """Check that ``value`` is a whole number >= ``minimum`` and return it as ``int``.

    Accepts ints (also numpy ints), integral floats such as ``2095.0`` and digit strings;
    rejects booleans, fractions, NaN and values below ``minimum`` with a plain-language
    ValueError naming ``what``.
    """
    hint = f"a whole number, {minimum} or more"
    number = _as_decimal(value, what, hint)
    if number != number.to_integral_value() or number < minimum:
        raise ValueError(f"{what} must be {hint}; got {value!r}.")
    return int(number)


def amount(value, what: str) -> Decimal:
    """Check that ``value`` is an amount in euros >= 0 and return it as an exact Decimal.

    Floats are read through their shortest text (``0.8`` -> ``Decimal("0.8")``), so the
    binary error of the float does not leak into the money.
    """
    hint = "an amount in euros, 0 or more (for example 12.50)"
    number = _as_decimal(value, what, hint)
    if number < 0:
        raise ValueError(f"{what} must be {hint}; got {value!r}.")
    return number


def _list_sizes(list_sizes: Iterable) -> list[int]:
    if isinstance(list_sizes, (str, bytes)) or not isinstance(list_sizes, Iterable):
        raise ValueError(
            f"list_sizes must be a list of registered patients per practice, for example "
            f"[2095, 1800]; got {list_sizes!r}."
        )
    sizes = [
        whole_number(size, f"registered patients of practice {number}")
        for number, size in enumerate(list_sizes, start=1)
    ]
    if not sizes:
        raise ValueError("list_sizes is empty: give the registered patients of at least one practice.")
    return sizes


def numbered_labels(names: Sequence[str] | None, count: int) -> list[str]:
    """Labels for ``count`` practices in a calculator: ``names`` as given, or "Praktijk 1", ...

    Raises ValueError when ``names`` does not hold one name per practice.
    """
    if names is None:
        return [f"Praktijk {number}" for number in range(1, count + 1)]
    names = [str(name) for name in names]
    if len(names) != count:
        raise ValueError(
            f"names must hold one name per practice: got {len(names)} names for {count} list sizes."
        )
    return names


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half up to whole cents (0.025 -> 0.03, 0.0249 -> 0.02)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------
# Tariffs and costs per practice
# ---------------------------------------------------------------------------------------

def _default(field: str):
    """A Tariffs field's default, from the kit's default organisation file (read once)."""
    return dataclasses.field(default_factory=lambda: getattr(Tariffs.of(default_organisation()), field))


@dataclass(frozen=True)
class Tariffs:
    """The tariffs of one contract year; the defaults are those of the kit's default
    organisation file (:func:`spiegelkit.inputs.organisation.default_organisation`).

    Parameters
    ----------
    supplement_per_patient
        Supplement the insurer pays per registered patient per year.
    fee_per_practice
        Facilitation fee per practice per meeting.
    fee_per_patient
        Facilitation fee per registered patient per meeting.
    meetings_per_year
        Meetings per year (the minimum the insurer's module asks for).

    Amounts may be given as Decimal, int, str or float; they are stored as exact Decimals.
    Invalid values raise ValueError in plain language.
    """

    supplement_per_patient: Decimal = _default("supplement_per_patient")
    fee_per_practice: Decimal = _default("fee_per_practice")
    fee_per_patient: Decimal = _default("fee_per_patient")
    meetings_per_year: int = _default("meetings_per_year")

    @classmethod
    def of(cls, organisation: Organisation) -> Tariffs:
        """The tariffs of an organisation file: its insurer's supplement and meetings, its
        facilitator's fees."""
        return cls(organisation.insurer.supplement_per_patient, organisation.facilitator.fee_per_practice,
                   organisation.facilitator.fee_per_patient, organisation.insurer.conditions.meetings_per_year)

    def __post_init__(self):
        checked = {
            "supplement_per_patient": amount(self.supplement_per_patient, "supplement_per_patient"),
            "fee_per_practice": amount(self.fee_per_practice, "fee_per_practice"),
            "fee_per_patient": amount(self.fee_per_patient, "fee_per_patient"),
            "meetings_per_year": whole_number(self.meetings_per_year, "meetings_per_year", minimum=1),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def self_organised(self) -> Tariffs:
        """The same tariffs for a group that organises its meetings itself: no fee."""
        return dataclasses.replace(self, fee_per_practice=Decimal("0"), fee_per_patient=Decimal("0"))


@dataclass(frozen=True)
class PracticeCosts:
    """Supplement, facilitation fee and net result of one practice for one year (EUR)."""

    registered_patients: int
    supplement_per_year: Decimal
    fee_per_meeting: Decimal
    fee_per_year: Decimal
    net_per_year: Decimal


@dataclass(frozen=True)
class GroupTotals:
    """Sums over the practices of a group; ``fee_per_meeting`` is the group's fee per meeting."""

    practices: int
    registered_patients: int
    supplement_per_year: Decimal
    fee_per_meeting: Decimal
    fee_per_year: Decimal
    net_per_year: Decimal


def practice_costs(patients: int, tariffs: Tariffs | None = None) -> PracticeCosts:
    """Supplement, fee and net result of one practice with ``patients`` registered patients.

    ``supplement_per_year = cents(supplement_per_patient x patients)``,
    ``fee_per_meeting = cents(fee_per_practice + fee_per_patient x patients)``,
    ``fee_per_year = fee_per_meeting x meetings_per_year`` (each meeting is invoiced on its
    own) and ``net_per_year = supplement_per_year - fee_per_year``; ``cents`` rounds half up.

    >>> practice_costs(2095)
    PracticeCosts(registered_patients=2095, supplement_per_year=Decimal('1676.00'), fee_per_meeting=Decimal('154.75'), fee_per_year=Decimal('464.25'), net_per_year=Decimal('1211.75'))
    """
    tariffs = tariffs or Tariffs()
    patients = whole_number(patients, "registered patients")
    supplement = cents(tariffs.supplement_per_patient * patients)
    per_meeting = cents(tariffs.fee_per_practice + tariffs.fee_per_patient * patients)
    per_year = per_meeting * tariffs.meetings_per_year
    return PracticeCosts(patients, supplement, per_meeting, per_year, supplement - per_year)


def group_totals(rows: Sequence[PracticeCosts]) -> GroupTotals:
    """Field-by-field sums of the practices' costs."""
    sums = {field: sum((getattr(row, field) for row in rows), Decimal("0.00")) for field in MONEY_FIELDS}
    return GroupTotals(len(rows), sum(row.registered_patients for row in rows), **sums)


def group_costs(
    list_sizes: Iterable[int], tariffs: Tariffs | None = None
) -> tuple[list[PracticeCosts], GroupTotals]:
    """Costs per practice (in the order of ``list_sizes``) and the group totals."""
    tariffs = tariffs or Tariffs()
    rows = [practice_costs(size, tariffs) for size in _list_sizes(list_sizes)]
    return rows, group_totals(rows)


# ---------------------------------------------------------------------------------------
# Break-even
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BreakEven:
    """The list size at which the supplement pays for the facilitation fee.

    Attributes
    ----------
    exact_patients
        Solution of ``supplement_per_patient x n = meetings x (fee_per_practice +
        fee_per_patient x n)`` before rounding (230.769... for the source tariffs).
    first_whole_patients
        The smallest whole list size whose net per year, in rounded cents as
        :func:`practice_costs` computes it, is 0.00 or more (231 for the source tariffs).

    Both are None when the supplement per patient does not exceed the fee per patient over
    the year's meetings: then no list size earns the fee back.
    """

    exact_patients: Decimal | None
    first_whole_patients: int | None


def break_even_patients(tariffs: Tariffs | None = None) -> BreakEven:
    """Where supplement and facilitation fee break even, for the given tariffs.

    With ``s`` the supplement per patient, ``p`` and ``f`` the fee per practice and per
    patient and ``m`` meetings, the net per year is ``(s - m f) n - m p`` before rounding,
    so it breaks even at ``n = m p / (s - m f)`` when ``s > m f``. Default tariffs:
    ``150 / 0.65 = 230.77``; 230 patients leave EUR -0.50, 231 patients EUR 0.15.

    Rounding to cents moves the net by less than ``(1 + m)`` half cents, so below
    ``(m p - (1 + m) x 0.005) / (s - m f)`` every rounded net is negative; the first whole
    list size is found by stepping up from there.

    >>> break_even_patients().first_whole_patients
    231
    """
    tariffs = tariffs or Tariffs()
    m = tariffs.meetings_per_year
    slope = tariffs.supplement_per_patient - m * tariffs.fee_per_patient
    if slope <= 0:
        return BreakEven(None, None)
    fixed = m * tariffs.fee_per_practice
    patients = max(0, math.floor((fixed - (1 + m) * HALF_CENT) / slope))
    while practice_costs(patients, tariffs).net_per_year < 0:
        patients += 1
    return BreakEven(fixed / slope, patients)


# ---------------------------------------------------------------------------------------
# Output: table, JSON, text, Dutch notation
# ---------------------------------------------------------------------------------------

#: The break-even sentence, the one owner of its wording: ``{patients}`` is the first whole
#: list size in Dutch notation. The offline calculator's script fills in the same text.
BREAK_EVEN_TEXT = ("Omslagpunt: vanaf {patients} ingeschreven patiënten dekt de opslag de begeleiding "
                   "(netto per jaar € 0,00 of meer).")
NO_BREAK_EVEN_TEXT = "Omslagpunt: bij deze tarieven dekt de opslag de begeleiding bij geen enkele praktijkgrootte."


def break_even_sentence(tariffs: Tariffs | None = None) -> str:
    """The break-even list size of :func:`break_even_patients` in one Dutch sentence, or
    that there is none: ``"Omslagpunt: vanaf 231 ingeschreven patiënten dekt ..."``."""
    first = break_even_patients(tariffs).first_whole_patients
    return NO_BREAK_EVEN_TEXT if first is None else BREAK_EVEN_TEXT.format(patients=dutch.number(first))


def money_text(value: Decimal) -> str:
    """An amount as plain machine-readable text with two decimals: ``"1676.00"``."""
    return f"{cents(value):.2f}"


def _records(list_sizes, tariffs, names) -> tuple[list[dict], dict]:
    tariffs = tariffs or Tariffs()
    rows, totals = group_costs(list_sizes, tariffs)
    labels = numbered_labels(names, len(rows))
    records = [{"practice": label, **dataclasses.asdict(row)} for label, row in zip(labels, rows)]
    return records, dataclasses.asdict(totals)


def costs_table(
    list_sizes: Iterable[int], tariffs: Tariffs | None = None, names: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per practice plus a last row "Totaal groep" with the group totals.

    Columns: ``practice, registered_patients, supplement_per_year, fee_per_meeting,
    fee_per_year, net_per_year``. Money columns hold exact Decimals (object dtype); drop the
    last row (``table.iloc[:-1]``) before summing practices yourself.
    """
    records, totals = _records(list_sizes, tariffs, names)
    totals_row = {"practice": TOTALS_LABEL, **{key: totals[key] for key in TABLE_COLUMNS[1:]}}
    return pd.DataFrame([*records, totals_row], columns=list(TABLE_COLUMNS))


def _money_strings(record: dict) -> dict:
    return {key: money_text(value) if key in MONEY_FIELDS else value for key, value in record.items()}


def costs_json(
    list_sizes: Iterable[int], tariffs: Tariffs | None = None, names: Sequence[str] | None = None
) -> dict:
    """Everything :func:`render_costs_text` shows, as a JSON-serialisable dict.

    Money is a string with two decimals (``"1676.00"``), tariffs their exact text
    (``"1.25"``), counts are ints. Keys: ``tariffs``, ``practices`` (one dict per practice),
    ``totals`` (facilitated), ``self_organised_totals`` (no fee) and ``break_even``
    (``exact_patients`` as text with two decimals, ``first_whole_patients``; both None when
    the fee is never earned back).
    """
    tariffs = tariffs or Tariffs()
    records, totals = _records(list_sizes, tariffs, names)
    _, self_organised = _records(list_sizes, tariffs.self_organised(), names)
    break_even = break_even_patients(tariffs)
    return {
        "tariffs": {
            key: value if isinstance(value, int) else format(value, "f")
            for key, value in dataclasses.asdict(tariffs).items()
        },
        "practices": [_money_strings(record) for record in records],
        "totals": _money_strings(totals),
        "self_organised_totals": _money_strings(self_organised),
        "break_even": {
            "exact_patients": None if break_even.exact_patients is None else money_text(break_even.exact_patients),
            "first_whole_patients": break_even.first_whole_patients,
        },
    }


def render_costs_text(
    list_sizes: Iterable[int], tariffs: Tariffs | None = None, names: Sequence[str] | None = None
) -> str:
    """The costs table per practice and for the group as plain Dutch text (for the CLI).

    Amounts in the table appear as plain numbers with a decimal point (``1676.00``,
    ``154.75``, ``464.25``) so that they can be found with grep; all amounts in euros. The
    break-even line is :func:`break_even_sentence`, with the exact solution beside it.
    """
    tariffs = tariffs or Tariffs()
    table = costs_table(list_sizes, tariffs, names)
    shown = table.assign(**{field: table[field].map(money_text) for field in MONEY_FIELDS})
    facilitated = table.iloc[-1]
    self_organised = costs_table(list_sizes, tariffs.self_organised(), names).iloc[-1]
    t = tariffs
    lines = [
        "Praktijkspiegel: opslag en kosten van begeleiding (bedragen in euro)",
        f"Tarieven: opslag {format(t.supplement_per_patient, 'f')} per patiënt per jaar; begeleiding "
        f"{format(t.fee_per_practice, 'f')} per praktijk + {format(t.fee_per_patient, 'f')} per patiënt "
        f"per bijeenkomst; {t.meetings_per_year} bijeenkomsten per jaar.",
        "",
        shown.rename(columns=TEXT_HEADINGS).to_string(index=False),
        "",
        f"Begeleid (met begeleidingskosten): netto per jaar voor de groep "
        f"{money_text(facilitated['net_per_year'])}.",
        f"Zelf georganiseerd (geen begeleidingskosten): netto per jaar voor de groep "
        f"{money_text(self_organised['net_per_year'])}.",
        break_even_sentence(tariffs) + _exact_break_even(tariffs),
    ]
    return "\n".join(lines) + "\n"


def _exact_break_even(tariffs: Tariffs) -> str:
    exact = break_even_patients(tariffs).exact_patients
    return "" if exact is None else f" (Precies: {money_text(exact)} patiënten.)"


# ---------------------------------------------------------------------------------------
# Care-cost what-if
# ---------------------------------------------------------------------------------------

#: What the observed value of each statistic counts.
WHATIF_UNITS = {"cost": "euro", "rate": "events", "proportion": "patients"}

WHATIF_COLUMNS = ("agb", "indicator", "statistic", "observed", "expected", "index", "lower", "upper")


def _median_index(table: pd.DataFrame, keys: list[str]) -> pd.Series:
    return table.groupby(keys, dropna=False)["index"].transform("median")


def _national_index(table: pd.DataFrame, keys: list[str]) -> pd.Series:
    return pd.Series(100.0, index=table.index)


#: How each target index is found, per row of the comparison table.
WHATIF_TARGETS = {"median": _median_index, "national": _national_index}


def _check_whatif_input(table: pd.DataFrame, target: str) -> None:
    problems = []
    if target not in WHATIF_TARGETS:
        problems.append(f"target must be one of {sorted(WHATIF_TARGETS)}; got {target!r}")
    missing = [column for column in WHATIF_COLUMNS if column not in table.columns]
    if missing:
        problems.append(f"the comparison table lacks the columns {missing}")
    else:
        unknown = sorted(set(table["statistic"]) - set(WHATIF_UNITS))
        if unknown:
            problems.append(f"statistic must be one of {sorted(WHATIF_UNITS)}; found {unknown}")
    if problems:
        raise ValueError("care_cost_whatif: " + "; ".join(problems) + ".")


def care_cost_whatif(table: pd.DataFrame, target: str = "median") -> pd.DataFrame:
    """How far each practice is from a target index, in euros or counts per year, as a range.

    A **what-if, not a saving**: the range says how large the yearly difference between the
    practice and the target is, given the uncertainty in its own figures. It does not say
    that the difference can or should be removed: patient mix beyond age and sex, known
    explanations (a nursing home, an asylum centre) and chance all sit inside it. Present it
    as a question for the group, never as money to be earned.

    Parameters
    ----------
    table
        Comparison table with columns ``agb, indicator, statistic, observed, expected,
        index, lower, upper``: ``index = observed / expected x 100`` and ``lower``,
        ``upper`` its confidence interval x 100. ``statistic`` is ``cost`` (observed in
        euros), ``rate`` (events) or ``proportion`` (patients with at least one). When a
        ``year`` column is present, medians and sums are taken per indicator and year.
        Filter the table to cost and volume indicators first (not population make-up).
    target
        ``"median"``: the median of the practices' index per indicator (the group's middle);
        ``"national"``: 100, the national value after standardisation.

    Returns
    -------
    pandas.DataFrame
        One row per practice and indicator (``level == "practice"``), then one row per
        indicator for the group (``level == "group"``, ``agb`` missing, sums over its
        practices). Columns: ``level, agb, indicator, [year,] statistic, unit, target,
        target_index, observed, expected, difference, difference_lower, difference_upper,
        range_includes_zero``. With ``t = target_index``:

        - ``difference = observed - expected x t / 100``, the point estimate;
        - ``difference_lower = expected x (lower - t) / 100`` and
          ``difference_upper = expected x (upper - t) / 100``: the same difference with the
          interval's ends in place of the index. The range is the message.

        A positive difference means the practice is above the target (moving to it would
        mean fewer euros or events), a negative one that it is below. Group rows add up the
        practices' ends, a deliberately wide range, not a confidence interval of the sum.
        ``range_includes_zero`` is True when the range runs from below to above zero: the
        practice may well sit at the target. Values are not rounded; rows with no
        expected value (no mirror) give missing differences.
    """
    _check_whatif_input(table, target)
    keys = ["indicator", "year"] if "year" in table.columns else ["indicator"]
    target_index = WHATIF_TARGETS[target](table, keys)
    at_target = table["expected"] * target_index / 100
    practices = table[["agb", *keys, "statistic", "observed", "expected"]].assign(
        level="practice",
        unit=table["statistic"].map(WHATIF_UNITS),
        target=target,
        target_index=target_index,
        difference=table["observed"] - at_target,
        difference_lower=table["expected"] * table["lower"] / 100 - at_target,
        difference_upper=table["expected"] * table["upper"] / 100 - at_target,
    )
    sums = ["observed", "expected", "difference", "difference_lower", "difference_upper"]
    group = (
        practices.groupby(keys, dropna=False, sort=False)
        .agg(
            statistic=("statistic", "first"),
            unit=("unit", "first"),
            target=("target", "first"),
            target_index=("target_index", "first"),
            **{column: (column, lambda values: values.sum(min_count=1)) for column in sums},
        )
        .reset_index()
        .assign(level="group", agb=pd.NA)
    )
    columns = ["level", "agb", *keys, "statistic", "unit", "target", "target_index", *sums]
    result = pd.concat([practices[columns], group[columns]], ignore_index=True)
    result["agb"] = result["agb"].astype("str")  # AGB codes are text; missing on group rows
    result["range_includes_zero"] = (result["difference_lower"] <= 0) & (result["difference_upper"] >= 0)
    return result
