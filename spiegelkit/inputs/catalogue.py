"""The indicator catalogue: every indicator is data, not code.

One YAML list, by default ``spiegelkit/data/indicators.yaml``; a data folder may carry its
own ``indicators.yaml`` to replace it. Each entry says what the indicator measures and why
it matters (in Dutch, for the handout), how it is computed (statistic, unit, multiplier),
how to read it (polarity) and which follow-up fits it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from spiegelkit.inputs.problems import Problem, choice_hint, did_you_mean, display_path
from spiegelkit.stats import COST_CV_DEFAULT
from spiegelkit.inputs.yamlfile import line_of, parse, read_text, yaml_error_problem
from spiegelkit.paths import DEFAULT_CATALOGUE


DOMAINS = {  # id -> Dutch heading, in handout order
    "populatie": "Populatie",
    "huisartsenzorg": "Huisartsenzorg",
    "farmacie": "Geneesmiddelen",
    "diagnostiek": "Diagnostiek",
    "verwijzingen": "Verwijzingen",
    "ggz": "Geestelijke gezondheidszorg",
    "fysiotherapie": "Fysiotherapie",
    "kosten": "Kosten",
}

FOLLOW_UPS = {  # id -> Dutch wording of the fitting follow-up
    "fto": "FTO met de apotheker",
    "dto": "DTO met het laboratorium",
    "specialists": "gesprek met medisch specialisten over verwijzen en terugverwijzen",
    "ggz": "overleg met GGZ-aanbieders",
    "providers": "overleg met andere zorgaanbieders",
    "none": "bespreken in de groep",
}


MAX_CATALOGUE_BYTES = 4 * 2 ** 20  # the bundled catalogue of 38 indicators is 30 kB
MAX_CATALOGUE_NODES = 200_000
MAX_INDICATORS = 2_000


class Indicator(BaseModel):
    """One catalogue entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    measures: str = Field(min_length=1)
    why: str = Field(min_length=1)
    domain: Literal[tuple(DOMAINS)]  # type: ignore[valid-type]
    statistic: Literal["proportion", "rate", "cost"]
    unit: str = Field(min_length=1)
    multiplier: float = Field(gt=0, le=1_000_000, allow_inf_nan=False)
    polarity: Literal["high_is_good", "low_is_good", "no_judgement"]
    follow_up: Literal[tuple(FOLLOW_UPS)]  # type: ignore[valid-type]
    influenceable: bool
    # Coefficient of variation of the annual cost per person: the width of a cost indicator's
    # interval (stats.standardised_cost_ratio). Cost indicators only; default COST_CV_DEFAULT.
    cost_cv: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(None, validate_default=True)
    # National between-practice spread: the standard deviation of the log index between
    # practices beyond chance (tau, so tau2 = its square), used for the marks when the data
    # folder has too few practices to estimate it. An assumption: see data/SOURCES.md.
    between_practice_sd: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)] | None = None

    @field_validator("cost_cv")
    @classmethod
    def _cost_cv_for_costs_only(cls, value: float | None, info: ValidationInfo) -> float | None:
        if "statistic" not in info.data:  # the statistic itself is wrong: reported already
            return value
        if info.data["statistic"] != "cost":
            if value is not None:
                raise ValueError("cost_cv applies only to indicators with statistic 'cost'")
            return None
        return COST_CV_DEFAULT if value is None else value


def load_catalogue(path: Path | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and validate the catalogue; returns one row per indicator and every problem.

    A text is validated once (a batch asks for the catalogue for every handout)."""
    from spiegelkit.inputs.textfile import UnreadableText

    path = Path(path) if path else DEFAULT_CATALOGUE
    file = display_path(path)
    try:
        text = read_text(path, MAX_CATALOGUE_BYTES, "indicator catalogue")
    except OSError as exc:
        return _empty(), [Problem(file, f"cannot be read ({exc.strerror})",
                                  hint="check the path and the file's permissions")]
    except UnreadableText as exc:
        return _empty(), [Problem(file, exc.message, hint=exc.hint)]
    frame, problems = _validated_catalogue(file, text)
    return frame.copy(), list(problems)


@functools.lru_cache(maxsize=8)
def _validated_catalogue(file: str, text: str) -> tuple[pd.DataFrame, list[Problem]]:
    try:
        entries, root = parse(text, MAX_CATALOGUE_NODES)
    except yaml.YAMLError as exc:
        return _empty(), [yaml_error_problem(file, exc, "cannot be read as YAML")]
    if not isinstance(entries, list):
        return _empty(), [Problem(file, "the catalogue must be a YAML list of indicators",
                                  hint="start every indicator with '- id: ...'")]
    if len(entries) > MAX_INDICATORS:
        return _empty(), [Problem(file, f"lists {len(entries)} indicators, more than the "
                                  f"{MAX_INDICATORS} a catalogue may have",
                                  hint="check that this is the indicator catalogue")]
    problems: list[Problem] = []
    indicators: list[Indicator] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        label = entry.get("id", f"entry {i + 1}") if isinstance(entry, dict) else f"entry {i + 1}"
        try:
            indicator = Indicator.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors():
                loc = [i, *err["loc"]]
                field = ".".join(str(x) for x in err["loc"]) or None
                problems.append(Problem(
                    file, f"indicator '{label}': {_message(err)}", row=line_of(root, loc),
                    field=field, hint=_hint(err),
                ))
            continue
        if indicator.id in seen:
            problems.append(Problem(
                file, f"indicator id '{indicator.id}' is used twice", row=line_of(root, [i, "id"]),
                field="id", hint="give every indicator its own id",
            ))
            continue
        seen[indicator.id] = i
        indicators.append(indicator)
    frame = pd.DataFrame([ind.model_dump() for ind in indicators]) if indicators else _empty()
    return frame, problems


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(Indicator.model_fields))


def _message(err) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}'"
    if err["type"] == "missing":
        return f"'{err['loc'][-1]}' is missing"
    return err["msg"]


def _hint(err) -> str:
    if err["type"] == "value_error" and err["loc"] == ("cost_cv",):
        return "remove cost_cv here: it sets the interval of cost indicators only"
    if err["type"] == "extra_forbidden":
        return did_you_mean(str(err["loc"][-1]), Indicator.model_fields)
    if err["type"] == "missing":
        return f"add '{err['loc'][-1]}' to this indicator"
    return choice_hint(err)
