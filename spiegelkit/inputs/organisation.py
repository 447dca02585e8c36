"""The insurer and the facilitating organisation (a ROS) as data: one YAML file.

The handout, the verslag, the obligations and the calculators take every name, tariff and
condition from an :class:`Organisation`, never from code. The kit's default is
``spiegelkit/data/organisation.yaml`` (the seeds' figures: Zilveren Kruis, module
Praktijkspiegel, EUR 0.80 per patient per year; Elaa, EUR 50 per practice + EUR 0.05 per
patient per meeting). A group names another file with the key ``organisation:`` in its
params, relative to the params file; :func:`spiegelkit.inputs.group.load_group` reads it.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spiegelkit.inputs.problems import InputError, Problem, display_path
from spiegelkit.inputs.yamlfile import read_mapping, validation_problems
from spiegelkit.paths import DEFAULT_ORGANISATION

#: An amount in euros: exact, 0 or more, at most 6 decimals (the offline calculator counts in
#: millionths of a euro).
Amount = Annotated[Decimal, Field(ge=0, decimal_places=6)]


class Conditions(BaseModel):
    """What the insurer asks of a practice in return for the supplement, each calendar year."""

    model_config = ConfigDict(extra="forbid")

    meetings_per_year: int = Field(ge=1, le=12, description="at least this many meetings")
    report: bool = Field(description="a short report (verslag) of each meeting with its agreements")
    signed_list: bool = Field(description="a signed attendance list of each meeting")
    consulting_providers: bool = Field(description="consult other care providers when the data give reason to")


class Insurer(BaseModel):
    """The insurer whose module pays the supplement."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    module: str = Field(min_length=1, description="the module's name in the practice's contract")
    supplement_per_patient: Amount = Field(description="euro per registered patient per year")
    conditions: Conditions


class Facilitator(BaseModel):
    """The organisation that facilitates the meetings for a fee (a ROS)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    fee_per_practice: Amount = Field(description="euro per practice per meeting")
    fee_per_patient: Amount = Field(description="euro per registered patient per meeting")
    contact: str = Field(min_length=1, description="one line: how to reach the organisation")


class Organisation(BaseModel):
    """The insurer and the facilitator of a group's meetings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    insurer: Insurer
    facilitator: Facilitator


_AMOUNT_HINT = 'write the amount in euros in quotes with a decimal point, e.g. "12.50"'
HINTS = {
    "supplement_per_patient": _AMOUNT_HINT,
    "fee_per_practice": _AMOUNT_HINT,
    "fee_per_patient": _AMOUNT_HINT,
    "meetings_per_year": "give a whole number from 1 to 12",
}


def load_organisation(path: Path) -> tuple[Organisation | None, list[Problem]]:
    """Read and validate one organisation file; every problem comes with its line and field."""
    file = display_path(path)
    data, root, problems = read_mapping(
        path, file, unreadable_hint="check the organisation: key in the params file (relative to it)",
        example_hint=f"copy {display_path(DEFAULT_ORGANISATION)} and edit it")
    if data is None:
        return None, problems
    try:
        return Organisation.model_validate(data), []
    except ValidationError as exc:
        return None, validation_problems(file, root, exc, Organisation, HINTS)


def read_organisation(path: Path) -> Organisation:
    """:func:`load_organisation`, raising :class:`InputError` listing every problem."""
    organisation, problems = load_organisation(path)
    if organisation is None:
        raise InputError(problems)
    return organisation


@functools.cache
def default_organisation() -> Organisation:
    """The kit's default organisation file, read once."""
    return read_organisation(DEFAULT_ORGANISATION)
