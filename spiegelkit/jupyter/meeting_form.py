"""A widget form to record a meeting: attendance and signatures, agreements, providers consulted.

``MeetingForm(params_file, meeting_number)`` shows the form in a notebook, pre-filled with the
meeting's record when there is one, else with the group's params (date, facilitators and
each practice's expected participants). **Opslaan** validates the record like
:func:`spiegelkit.inputs.meetings.load_record`, writes it atomically to
``meetings/<group_id>/meeting-<n>.yaml`` beside the params file and, when `out_dir` is given,
also writes the verslag there. The form is plain Python: :meth:`MeetingForm.record` and
:meth:`MeetingForm.save` work without a browser.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
from pydantic import ValidationError

from spiegelkit.inputs.catalogue import FOLLOW_UPS
from spiegelkit.inputs.group import load_group, practice_names
from spiegelkit.run.reports import write_report
from spiegelkit.inputs.meetings import (HINTS, PROVIDER_KINDS, MeetingRecord, read_record, record_path,
                                 record_problems, save_record)
from spiegelkit.inputs.yamlfile import validation_problems
from spiegelkit.inputs.problems import InputError, display_path, raise_for_errors

BLANK_PEOPLE = 2  # empty rows per practice for people not on the list
BLANK_GUESTS = 2
WHOLE_GROUP = NO_INDICATOR = ""  # dropdown values for "hele groep" and "geen" (None shows blank)
WIDE = widgets.Layout(width="22em")
LABEL = {"description_width": "9em"}
NARROW = widgets.Layout(width="8em")


class MeetingForm:
    """The form for one meeting of one group."""

    def __init__(self, params_file: Path, meeting_number: int | None = None,
                 out_dir: Path | str | None = None):
        self.params_file = Path(params_file)
        group = load_group(self.params_file)  # a broken record is this form's to mend
        raise_for_errors([p for p in group.problems if p not in group.record_problems])
        self.params, self.data = group.params, group.data
        self.meeting_number = meeting_number or self.params.meeting_number
        self.out_dir = Path(out_dir) if out_dir else None
        self.path = record_path(self.params_file.parent, self.params.group_id, self.meeting_number)
        self.indicators = set(self.data.catalogue["id"])
        existing = read_record(self.path, self.params, self.indicators) if self.path.exists() else None
        self.names = practice_names(self.params, self.data)
        self._build(existing)

    # --- building -----------------------------------------------------------------------

    def _build(self, record: MeetingRecord | None) -> None:
        params = self.params
        planned = params.meeting_date if self.meeting_number == params.meeting_number else None
        self.date = widgets.DatePicker(description="Datum", value=record.date if record else planned,
                                       style=LABEL)
        self.data_year = widgets.BoundedIntText(
            description="Spiegeljaar", min=2000, max=2100, style=LABEL,
            value=(record.data_year if record and record.data_year else params.data_year))
        self.facilitators = widgets.Text(
            description="Begeleiding", layout=widgets.Layout(width="30em"), style=LABEL,
            value=", ".join(record.facilitators if record else params.facilitators))
        self.people = {p.agb: self._people_rows(p.agb, p.participants, record) for p in params.practices}
        self.guests = [self._guest_row(g.name, g.role, g.signed) for g in (record.guests if record else [])]
        self.guests += [self._guest_row() for _ in range(BLANK_GUESTS)]
        titles = dict(zip(self.data.catalogue["id"], self.data.catalogue["title"]))
        self.indicators_discussed = widgets.SelectMultiple(
            options=[(title, ind) for ind, title in titles.items()],
            value=tuple(record.indicators_discussed) if record else (),
            description="Besproken", rows=8, layout=widgets.Layout(width="45em"), style=LABEL)
        self.notes = widgets.Textarea(value=record.notes if record else "", description="Samenvatting",
                                      layout=widgets.Layout(width="45em", height="7em"), style=LABEL)
        self.agreements_box = widgets.VBox()
        self.agreements: list[dict] = []
        for agreement in (record.agreements if record else []):
            self.add_agreement(**agreement.model_dump())
        self.providers_box = widgets.VBox()
        self.providers: list[dict] = []
        for talk in (record.providers_consulted if record else []):
            self.add_provider(talk.name, talk.kind)
        self.save_button = widgets.Button(description="Opslaan", button_style="primary", icon="save")
        self.save_button.on_click(lambda _: self._save_clicked())
        self.message = widgets.HTML()

    def _people_rows(self, agb: str, expected: list[str], record: MeetingRecord | None) -> list[dict]:
        present = {person.name: person for person in (record.people_of(agb) if record else [])}
        names = list(dict.fromkeys([*expected, *present]))
        rows = [self._person_row(name, name in present, name in present and present[name].signed)
                for name in names]
        return rows + [self._person_row() for _ in range(BLANK_PEOPLE)]

    @staticmethod
    def _person_row(name: str = "", present: bool = False, signed: bool = False) -> dict:
        return dict(name=widgets.Text(value=name, placeholder="naam"),
                    present=widgets.Checkbox(value=present, description="aanwezig", indent=False, layout=NARROW),
                    signed=widgets.Checkbox(value=signed, description="getekend", indent=False, layout=NARROW))

    @staticmethod
    def _guest_row(name: str = "", role: str = "", signed: bool = False) -> dict:
        return dict(name=widgets.Text(value=name, placeholder="naam"),
                    role=widgets.Text(value=role, placeholder="functie, organisatie"),
                    signed=widgets.Checkbox(value=signed, description="getekend", indent=False, layout=NARROW))

    def add_agreement(self, text: str = "", owner: str = "", agb: str | None = None, due=None,
                      indicator: str | None = None, follow_up: str = "none") -> dict:
        """Add an agreement row (the button 'Afspraak toevoegen' adds an empty one)."""
        catalogue = self.data.catalogue
        row = dict(
            text=widgets.Textarea(value=text, placeholder="wat is afgesproken",
                                  layout=widgets.Layout(width="40em", height="3.5em")),
            owner=widgets.Text(value=owner, description="Wie", placeholder="naam"),
            agb=widgets.Dropdown(description="Voor", value=agb or WHOLE_GROUP, options=[
                ("hele groep", WHOLE_GROUP)] + [(self.names[p.agb], p.agb) for p in self.params.practices]),
            due=widgets.DatePicker(description="Vóór", value=due),
            indicator=widgets.Dropdown(description="Indicator", value=indicator or NO_INDICATOR, options=[
                ("geen", NO_INDICATOR)] + list(zip(catalogue["title"], catalogue["id"]))),
            follow_up=widgets.Dropdown(description="Vervolg", value=follow_up,
                                       options=[(text_, key) for key, text_ in FOLLOW_UPS.items()]),
            remove=widgets.Button(description="verwijderen", icon="trash"),
        )
        fits = dict(zip(catalogue["id"], catalogue["follow_up"]))
        row["indicator"].observe(lambda change: setattr(row["follow_up"], "value", fits.get(change["new"], "none")),
                                 names="value")
        row["remove"].on_click(lambda _: self._remove(self.agreements, row, self.agreements_box,
                                                      self._agreement_widget))
        self.agreements.append(row)
        self.agreements_box.children = [self._agreement_widget(r) for r in self.agreements]
        return row

    def add_provider(self, name: str = "", kind: str = "providers") -> dict:
        """Add a row for a care provider consulted (pharmacist, lab, specialist, GGZ, other)."""
        row = dict(name=widgets.Text(value=name, placeholder="naam en organisatie", layout=WIDE),
                   kind=widgets.Dropdown(value=kind, options=[(FOLLOW_UPS[k], k) for k in PROVIDER_KINDS]),
                   remove=widgets.Button(description="verwijderen", icon="trash"))
        row["remove"].on_click(lambda _: self._remove(self.providers, row, self.providers_box,
                                                      self._provider_widget))
        self.providers.append(row)
        self.providers_box.children = [self._provider_widget(r) for r in self.providers]
        return row

    @staticmethod
    def _remove(rows: list[dict], row: dict, box: widgets.VBox, widget) -> None:
        rows.remove(row)
        box.children = [widget(r) for r in rows]

    @staticmethod
    def _agreement_widget(row: dict) -> widgets.Widget:
        return widgets.VBox([row["text"], widgets.HBox([row["owner"], row["agb"], row["due"]]),
                             widgets.HBox([row["indicator"], row["follow_up"], row["remove"]])],
                            layout=widgets.Layout(border="1px solid #ccc", padding="4px", margin="4px 0"))

    @staticmethod
    def _provider_widget(row: dict) -> widgets.Widget:
        return widgets.HBox([row["name"], row["kind"], row["remove"]])

    # --- reading and saving ---------------------------------------------------------------

    def record(self) -> MeetingRecord:
        """The record as filled in; raises :class:`InputError` listing every problem."""
        attendance = []
        for agb, rows in self.people.items():
            people = [dict(name=r["name"].value.strip(), signed=r["signed"].value) for r in rows
                      if r["present"].value and r["name"].value.strip()]
            if people:
                attendance.append(dict(agb=agb, people=people))
        values = dict(
            group_id=self.params.group_id, meeting_number=self.meeting_number, date=self.date.value,
            data_year=self.data_year.value,
            facilitators=[n.strip() for n in self.facilitators.value.split(",") if n.strip()],
            attendance=attendance,
            guests=[dict(name=r["name"].value.strip(), role=r["role"].value.strip(), signed=r["signed"].value)
                    for r in self.guests if r["name"].value.strip()],
            indicators_discussed=list(self.indicators_discussed.value), notes=self.notes.value.strip(),
            agreements=[dict(text=r["text"].value.strip(), owner=r["owner"].value.strip(),
                             agb=r["agb"].value or None, due=r["due"].value,
                             indicator=r["indicator"].value or None, follow_up=r["follow_up"].value)
                        for r in self.agreements if r["text"].value.strip()],
            providers_consulted=[dict(name=r["name"].value.strip(), kind=r["kind"].value)
                                 for r in self.providers if r["name"].value.strip()],
        )
        file = display_path(self.path)
        try:
            record = MeetingRecord.model_validate(values)
        except ValidationError as exc:
            raise InputError(validation_problems(file, None, exc, MeetingRecord, HINTS)) from exc
        raise_for_errors(record_problems(record, self.params, self.indicators, file))
        return record

    def save(self) -> Path:
        """Validate and write the record (and the verslag when `out_dir` is set); returns the
        record's path."""
        save_record(self.record(), self.path)
        if self.out_dir is not None:
            self.report = write_report(self.params_file, self.meeting_number, self.out_dir)
        return self.path

    def _save_clicked(self) -> None:
        try:
            path = self.save()
        except InputError as exc:
            items = "".join(f"<li>{html.escape(str(p))}</li>" for p in exc.problems if p.is_error)
            self.message.value = f"<p><strong>Niet opgeslagen.</strong> Verbeter eerst:</p><ul>{items}</ul>"
            return
        report = (f" Verslag: {html.escape(display_path(self.report))}." if self.out_dir else "")
        self.message.value = f"<p>Opgeslagen in {html.escape(display_path(path))}.{report}</p>"

    # --- display --------------------------------------------------------------------------

    @property
    def widget(self) -> widgets.Widget:
        """The whole form as one widget."""
        add_agreement = widgets.Button(description="Afspraak toevoegen", icon="plus",
                                       layout=widgets.Layout(width="auto"))
        add_agreement.on_click(lambda _: self.add_agreement())
        add_provider = widgets.Button(description="Zorgaanbieder toevoegen", icon="plus",
                                      layout=widgets.Layout(width="auto"))
        add_provider.on_click(lambda _: self.add_provider())
        practices = []
        for entry in self.params.practices:
            rows = [widgets.HBox([r["name"], r["present"], r["signed"]]) for r in self.people[entry.agb]]
            practices.append(widgets.VBox([widgets.HTML(f"<b>{html.escape(self.names[entry.agb])}</b>"), *rows]))
        heading = html.escape(f"Bijeenkomst {self.meeting_number} van {self.params.group_name}")
        return widgets.VBox([
            widgets.HTML(f"<h3>{heading}</h3><p>Wordt opgeslagen in {html.escape(display_path(self.path))}</p>"),
            widgets.HBox([self.date, self.data_year]), self.facilitators,
            widgets.HTML("<h4>Aanwezig en getekend</h4>"), *practices,
            widgets.HTML("<b>Andere deelnemers</b>"),
            *[widgets.HBox([r["name"], r["role"], r["signed"]]) for r in self.guests],
            widgets.HTML("<h4>Besproken</h4>"), self.indicators_discussed, self.notes,
            widgets.HTML("<h4>Afspraken</h4>"), self.agreements_box, widgets.HBox([add_agreement]),
            widgets.HTML("<h4>Overleg met andere zorgaanbieders</h4>"), self.providers_box,
            widgets.HBox([add_provider]),
            widgets.HBox([self.save_button]), self.message,
        ])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
