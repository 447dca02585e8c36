"""An offline what-if calculator for the HTML handout: supplement versus facilitation fee.

:func:`calculator_html` returns one self-contained ``<div>`` with inputs and a live table,
rendered from ``templates/fragments/calculator.html.j2``. The figures are rendered by Python
(:mod:`spiegelkit.analysis.costs`), so a printed or script-less handout is right; inline plain
JavaScript recomputes them when an input changes. The script uses no libraries, no network
and no ``eval``; it counts in whole micro-euros (BigInt) and rounds half up to cents exactly
like :func:`spiegelkit.analysis.costs.practice_costs`. Its break-even sentence is the Python
one (:data:`spiegelkit.analysis.costs.BREAK_EVEN_TEXT`), handed over in data attributes; names
and tariffs come from the group's organisation file.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal

from markupsafe import Markup

from spiegelkit import dutch
from spiegelkit.analysis.costs import (
    BREAK_EVEN_TEXT,
    MONEY_FIELDS,
    NO_BREAK_EVEN_TEXT,
    TOTALS_LABEL,
    Tariffs,
    break_even_patients,
    break_even_sentence,
    group_costs,
    numbered_labels,
)
from spiegelkit.inputs.organisation import Organisation, default_organisation
from spiegelkit.render.html import render

#: Most decimals a tariff may have in the calculator (it counts in micro-euros).
MAX_TARIFF_DECIMALS = 6

ID_PREFIX_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

#: The tariff inputs: input name, Tariffs field, Dutch label.
TARIFF_INPUTS = (
    ("supplement", "supplement_per_patient", "Opslag per ingeschreven patiënt per jaar (€)"),
    ("fee-per-practice", "fee_per_practice", "Begeleiding per praktijk per bijeenkomst (€)"),
    ("fee-per-patient", "fee_per_patient", "Begeleiding per ingeschreven patiënt per bijeenkomst (€)"),
)

#: Dutch headings of the money columns (shown in the order of MONEY_FIELDS).
MONEY_HEADINGS = {
    "supplement_per_year": "Opslag per jaar",
    "fee_per_meeting": "Begeleiding per bijeenkomst",
    "fee_per_year": "Begeleiding per jaar",
    "net_per_year": "Netto per jaar",
}

# The arithmetic, free of the DOM so that it can be checked on its own (tests run it
# under node). Amounts are BigInt micro-euros, results BigInt cents.
CALCULATOR_CORE_JS = r"""
var MICRO_PER_CENT = 10000n;
var HALF_CENT = 5000n;

function parseAmount(text) {
  var match = /^\s*(\d+)(?:[.,](\d{0,6}))?\s*$/.exec(String(text));
  if (!match) { return null; }
  return BigInt(match[1]) * 1000000n + BigInt((match[2] || "").padEnd(6, "0"));
}

function parseWhole(text, minimum) {
  var match = /^\s*(\d+)\s*$/.exec(String(text));
  if (!match) { return null; }
  var number = BigInt(match[1]);
  return number >= minimum ? number : null;
}

function centsHalfUp(micro) {
  return (micro + HALF_CENT) / MICRO_PER_CENT;
}

function practiceCosts(patients, tariffs) {
  var supplement = centsHalfUp(patients * tariffs.supplement);
  var perMeeting = centsHalfUp(tariffs.feePerPractice + patients * tariffs.feePerPatient);
  var perYear = perMeeting * tariffs.meetings;
  return {
    supplement_per_year: supplement,
    fee_per_meeting: perMeeting,
    fee_per_year: perYear,
    net_per_year: supplement - perYear
  };
}

function breakEven(tariffs) {
  var slope = tariffs.supplement - tariffs.meetings * tariffs.feePerPatient;
  if (slope <= 0n) { return null; }
  var below = tariffs.meetings * tariffs.feePerPractice - (1n + tariffs.meetings) * HALF_CENT;
  var patients = below > 0n ? below / slope : 0n;
  while (practiceCosts(patients, tariffs).net_per_year < 0n) { patients += 1n; }
  return patients;
}

function groupDigits(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
}

function formatEuro(cents) {
  var sign = cents < 0n ? "-" : "";
  var size = cents < 0n ? -cents : cents;
  var rest = String(size % 100n).padStart(2, "0");
  return "\u20ac " + sign + groupDigits(String(size / 100n)) + "," + rest;
}
"""

# The wiring between the inputs and the table.
CALCULATOR_DOM_JS = r"""
function calculatorErrors(root) {
  var box = root.querySelector(".sk-calc-error");
  var messages = [];
  return {
    add: function (input, message) {
      input.setAttribute("aria-invalid", "true");
      messages.push(message);
    },
    show: function () {
      box.textContent = messages.join(" ");
      box.hidden = messages.length === 0;
    }
  };
}

function showAmount(cell, cents) {
  cell.textContent = cents === null ? "\u2013" : formatEuro(cents);
  cell.setAttribute("data-cents", cents === null ? "" : String(cents));
}

function readTariffs(root, errors) {
  function input(name) { return root.querySelector('input[name="' + name + '"]'); }
  var facilitated = input("facilitated").checked;
  var tariffs = {};
  var amounts = [["supplement", "supplement"], ["feePerPractice", "fee-per-practice"], ["feePerPatient", "fee-per-patient"]];
  amounts.forEach(function (pair) {
    var field = input(pair[1]);
    tariffs[pair[0]] = parseAmount(field.value);
    if (tariffs[pair[0]] === null) {
      errors.add(field, "Vul bij \u2018" + field.getAttribute("data-label") + "\u2019 een bedrag in van 0 of meer, met ten hoogste 6 decimalen (bijvoorbeeld 12,50).");
    }
  });
  tariffs.meetings = parseWhole(input("meetings").value, 1n);
  if (tariffs.meetings === null) {
    errors.add(input("meetings"), "Vul bij \u2018Aantal bijeenkomsten per jaar\u2019 een heel getal in van 1 of meer.");
  }
  if (!facilitated) { tariffs.feePerPractice = 0n; tariffs.feePerPatient = 0n; }
  var complete = Object.keys(tariffs).every(function (key) { return tariffs[key] !== null; });
  return complete ? tariffs : null;
}

function updateCalculator(root) {
  root.querySelectorAll("input").forEach(function (field) { field.removeAttribute("aria-invalid"); });
  var errors = calculatorErrors(root);
  var tariffs = readTariffs(root, errors);
  var footer = root.querySelector(".sk-calc-total");
  var fields = Array.from(footer.querySelectorAll("[data-cents]")).map(function (cell) { return cell.getAttribute("data-field"); });
  var totals = {registered_patients: 0n};
  fields.forEach(function (field) { totals[field] = 0n; });
  root.querySelectorAll(".sk-calc-row").forEach(function (row) {
    var field = row.querySelector('input[name^="patients-"]');
    var patients = parseWhole(field.value, 0n);
    if (patients === null) {
      errors.add(field, "Vul bij " + row.querySelector(".sk-calc-name").textContent + " een heel aantal ingeschreven pati\u00ebnten in (0 of meer, zonder punten).");
    }
    var costs = tariffs !== null && patients !== null ? practiceCosts(patients, tariffs) : null;
    totals.registered_patients = patients === null || totals.registered_patients === null ? null : totals.registered_patients + patients;
    fields.forEach(function (name) {
      showAmount(row.querySelector('[data-field="' + name + '"]'), costs === null ? null : costs[name]);
      totals[name] = costs === null || totals[name] === null ? null : totals[name] + costs[name];
    });
  });
  var count = footer.querySelector('[data-field="registered_patients"]');
  count.textContent = totals.registered_patients === null ? "\u2013" : groupDigits(String(totals.registered_patients));
  count.setAttribute("data-value", totals.registered_patients === null ? "" : String(totals.registered_patients));
  fields.forEach(function (name) { showAmount(footer.querySelector('[data-field="' + name + '"]'), totals[name]); });
  var breakEvenCell = root.querySelector('[data-field="break_even"]');
  var patients = tariffs === null ? null : breakEven(tariffs);
  breakEvenCell.setAttribute("data-value", patients === null ? "" : String(patients));
  breakEvenCell.textContent = tariffs === null ? "\u2013" : breakEvenText(patients, breakEvenCell);
  errors.show();
}

/* The sentence comes from Python (data-text, data-text-none): one wording for both. */
function breakEvenText(patients, cell) {
  if (patients === null) { return cell.getAttribute("data-text-none"); }
  return cell.getAttribute("data-text").replace("{patients}", groupDigits(String(patients)));
}
"""

def _tariff_text(value: Decimal, name: str) -> str:
    """A tariff as the calculator shows it (:func:`spiegelkit.dutch.tariff`: ``"1,25"``)."""
    if -value.as_tuple().exponent > MAX_TARIFF_DECIMALS:
        raise ValueError(
            f"{name} has more than {MAX_TARIFF_DECIMALS} decimals ({value}); the calculator "
            f"counts in millionths of a euro. Round the tariff to at most {MAX_TARIFF_DECIMALS} decimals."
        )
    return dutch.tariff(value)


def money_cells(costs) -> list[dict]:
    """The amount cells of one practice's (or the totals') costs: field, whole cents and the
    Dutch text, in the order of :data:`~spiegelkit.analysis.costs.MONEY_FIELDS`."""
    return [
        {"field": field, "cents": int(getattr(costs, field) * 100), "text": dutch.euro(getattr(costs, field))}
        for field in MONEY_FIELDS
    ]


def _break_even(tariffs: Tariffs) -> dict:
    """The break-even sentence and value, with the sentence's two forms for the script."""
    patients = break_even_patients(tariffs).first_whole_patients
    return {"value": "" if patients is None else patients, "text": break_even_sentence(tariffs),
            "template": BREAK_EVEN_TEXT, "none": NO_BREAK_EVEN_TEXT}


def calculator_html(
    list_sizes: Iterable[int],
    tariffs: Tariffs | None = None,
    names: Sequence[str] | None = None,
    id_prefix: str | None = None,
    organisation: Organisation | None = None,
) -> str:
    """A self-contained HTML fragment: inputs and a live table of supplement versus fee.

    Parameters
    ----------
    list_sizes
        Registered patients per practice; one table row each.
    tariffs
        Starting tariffs and meetings (editable in the page); at most 6 decimals each.
        Default: those of ``organisation``.
    names
        Display names of the practices (HTML-escaped); default "Praktijk 1", ...
    id_prefix
        Id of the root ``<div>`` and prefix of every element id. Default: ``"sk-calc-"``
        plus 8 random hex digits, so several calculators on one page do not clash; pass a
        fixed value for reproducible output. Letters, digits, ``-`` and ``_`` only.
    organisation
        The insurer and the ROS whose names the calculator shows (and whose tariffs it
        starts from). Default: the kit's default organisation file.

    Returns
    -------
    str
        One ``<div>`` with an inline ``<script>`` (no libraries, no network, no eval). The
        figures are rendered by Python, so they are right without JavaScript; the script
        recomputes them on every ``input`` or ``change`` event.

    Notes
    -----
    Stable hooks for tests (``P`` is the id prefix, ``i`` the 0-based practice number):

    - root: ``div.sk-calc#P``; intro ``p.sk-calc-intro``; tariffs ``fieldset.sk-calc-tariffs``.
    - inputs (``name`` / ``id``): ``supplement`` / ``P-supplement``, ``fee-per-practice`` /
      ``P-fee-per-practice``, ``fee-per-patient`` / ``P-fee-per-patient`` (type text,
      accept ``1,25`` and ``1.25``, at most 6 decimals); ``meetings`` / ``P-meetings``
      (number, >= 1); ``facilitated`` / ``P-facilitated`` (checkbox, checked; unchecked =
      self-organised, fees 0); ``patients-i`` / ``P-patients-i`` (number, whole, >= 0).
    - table ``table.sk-calc-table``; practice rows ``tr.sk-calc-row[data-index=i]`` with the
      name in ``th.sk-calc-name``; totals row ``tr.sk-calc-total``.
    - amount cells ``td[data-field=F]`` with F in ``supplement_per_year``,
      ``fee_per_meeting``, ``fee_per_year``, ``net_per_year``; text in Dutch notation
      (``€ 154,75``) and ``data-cents`` the whole cents (``15475``; empty while an input is
      invalid, text then "–"). Totals row also ``td[data-field=registered_patients]`` with
      ``data-value``.
    - ``p.sk-calc-breakeven[data-field=break_even]``: sentence with the first list size whose
      net is >= 0, ``data-value`` that size (empty when there is none); ``data-text`` and
      ``data-text-none`` hold the sentence's two forms, which the script fills in.
    - ``p.sk-calc-error[role=alert]``: hidden unless an input is invalid; invalid inputs get
      ``aria-invalid="true"``.
    """
    uid = id_prefix if id_prefix is not None else f"sk-calc-{uuid.uuid4().hex[:8]}"
    if not ID_PREFIX_PATTERN.match(uid):
        raise ValueError(f"id_prefix must start with a letter and hold only letters, digits, - and _; got {uid!r}.")
    organisation = organisation or default_organisation()
    tariffs = tariffs or Tariffs.of(organisation)
    rows, totals = group_costs(list_sizes, tariffs)
    labels = numbered_labels(names, len(rows))
    return render(
        "calculator.html.j2",
        uid=uid,
        organisation=organisation,
        tariff_inputs=[
            (name, label, _tariff_text(getattr(tariffs, field), field)) for name, field, label in TARIFF_INPUTS
        ],
        meetings=tariffs.meetings_per_year,
        money_headings=[MONEY_HEADINGS[field] for field in MONEY_FIELDS],
        rows=[
            {"name": label, "patients": row.registered_patients, "cells": money_cells(row)}
            for label, row in zip(labels, rows)
        ],
        totals={"name": TOTALS_LABEL, "patients": totals.registered_patients, "cells": money_cells(totals)},
        break_even=_break_even(tariffs),
        core_js=Markup(CALCULATOR_CORE_JS),
        dom_js=Markup(CALCULATOR_DOM_JS),
    )
