"""The ``spiegelkit`` command: each verb parses its flags and calls one importable function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from spiegelkit.inputs.problems import display_path

DEFAULT_PARAMS = "params/*.yaml"


def _params_paths(params: tuple[str, ...]) -> list[Path]:
    if params:
        return [Path(p) for p in params]
    found = sorted(Path().glob(DEFAULT_PARAMS))
    if not found:
        raise click.UsageError(
            "no params files given and none found in params/; "
            "run from the project folder or name the files, e.g. spiegelkit run params/x.yaml")
    return found


class _Verbs(click.Group):
    """A click group whose help names every registered verb, so that it never drifts."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        summary = (self.help or "").strip().rstrip(".")
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(f"{summary}: {', '.join(self.list_commands(ctx))}.")


@click.group(cls=_Verbs)
@click.version_option(package_name="spiegelkit")
def main() -> None:
    """Prepare and lead spiegelbijeenkomsten."""



@main.command()
@click.argument("params", nargs=-1, type=click.Path(dir_okay=False))
def check(params: tuple[str, ...]) -> None:
    """Validate params, data and catalogue of each group without running any notebook.

    PARAMS are group params files (default: params/*.yaml). Lists every problem with its
    file, row and field; exits with 1 when any is an error.
    """
    from spiegelkit.run.check import check_groups

    results = check_groups(_params_paths(params))
    errors = 0
    for result in results:
        n_err = sum(p.is_error for p in result.problems)
        errors += n_err
        status = "ok" if result.ok else f"{n_err} error(s)"
        click.echo(f"{display_path(result.path)}: {status}")
        for problem in result.problems:
            click.echo("  " + str(problem).replace("\n", "\n  "))
        if result.data is not None:
            click.echo(f"  info: {result.data.describe()}")
        for mirror in result.mirrors:
            click.echo(f"  info: practice {mirror.agb} ({mirror.name}): {mirror}")
    click.echo(f"checked {len(results)} group(s): "
               f"{sum(r.ok for r in results)} ok, {sum(not r.ok for r in results)} with errors")
    sys.exit(1 if errors else 0)


@main.command()
@click.argument("params", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--out", default="outputs", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the per-group outputs.")
@click.option("--jobs", default=None, type=click.IntRange(1, 64),
              help="Groups run in parallel  [default: one per core].")
@click.option("--notebook", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Group notebook to run (default: notebooks/group_mirror.ipynb).")
@click.option("--engine", type=click.Choice(["pool", "papermill"]), default="pool", show_default=True,
              help="pool: long-lived kernels, reset between groups; papermill: a new kernel "
                   "per group (slow, the isolated reference).")
@click.option("--force", is_flag=True,
              help="Also redo groups whose inputs are unchanged since their last good run.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run the groups on the workers of this Dask scheduler "
                   "(e.g. tcp://10.0.0.5:8786); they must see the same paths.")
@click.option("--versions", type=click.Choice(["all", "group"]), default="all", show_default=True,
              help="all: the group handout and one version per practice; group: the group "
                   "handout only (a national batch, or a quick look).")
@click.option("--pdf", is_flag=True,
              help="Also print every handout and verslag to an A4 PDF beside its HTML "
                   "(needs Chromium: the error says how to get one).")
def run(params: tuple[str, ...], out: str, jobs: int | None, notebook: str | None, engine: str,
        force: bool, scheduler: str | None, versions: str, pdf: bool) -> None:
    """Make the executed notebook and HTML handout of every group.

    PARAMS are group params files (default: params/*.yaml). Outputs go to
    OUT/<group id>/; OUT/manifest.json records each group's inputs and outcome, and
    groups whose inputs are unchanged since their last good run are skipped. A failing
    group does not stop the others; the exit code is 1 when any group failed.
    """
    from spiegelkit.run.batch import GROUP_NOTEBOOK, run_groups
    from spiegelkit.run.pdf import PdfEngineMissing, check_pdf_engine

    paths = _params_paths(params)
    try:
        if pdf:
            check_pdf_engine()  # before anything runs or is written, the outputs' lock included
        results = run_groups(paths, Path(out), jobs=jobs, notebook=Path(notebook or GROUP_NOTEBOOK),
                             engine=engine, force=force, scheduler=scheduler, versions=versions,
                             pdf=pdf)
    except PdfEngineMissing as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("")
    for r in results:
        where = display_path(r.handout) if r.handout else f"see {out}/{r.group_id}/FAILED.txt"
        click.echo(f"{r.status:9} {r.group_id:30} {r.seconds:6.1f} s  {where}")
        if r.error:
            click.echo("          " + r.error.strip().splitlines()[-1][:200])
    ok = sum(r.has_handout for r in results)
    unchanged = sum(r.status == "unchanged" for r in results)
    skipped = f" ({unchanged} unchanged since the last run, skipped; --force redoes them)" \
        if unchanged else ""
    click.echo(f"{ok} of {len(results)} group(s) made their handout.{skipped}")
    sys.exit(0 if ok == len(results) else 1)


@main.command("demo-data")
@click.option("--seed", default=2026, show_default=True, type=int, help="Random seed.")
@click.option("--out", default="demo-data", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the generated tables.")
@click.option("--params/--no-params", "with_params", default=True, show_default=True,
              help="Also write one params file per demo group in OUT/params/.")
@click.option("--practices", type=click.IntRange(min=3), default=None,
              help="Generate a national set of about this many practices (e.g. 5000: some 1,300 "
                   "groups in regional data folders) instead of the demo region.")
def demo_data(seed: int, out: str, with_params: bool, practices: int | None) -> None:
    """Generate the deterministic demo region: practices, population, mirror, reference."""
    from spiegelkit.tools.demo import write_demo_data, write_demo_params, write_national_demo

    out_dir = Path(out)
    if practices:
        written = write_national_demo(out_dir, practices, seed=seed)
        click.echo(f"national demo set written to {display_path(out_dir)}: {written}")
        return
    write_demo_data(out_dir, seed=seed)
    click.echo(f"demo data written to {display_path(out_dir)} (seed {seed})")
    if with_params:
        written = write_demo_params(out_dir / "params", data_dir="..")
        click.echo(f"{len(written)} group params files in {display_path(out_dir / 'params')}; "
                   f"try: spiegelkit check {display_path(out_dir / 'params')}/*.yaml")


@main.command()
@click.argument("params", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", default=None, type=click.Path(),
              help="The workbook to write (default: intake-<group id>.xlsx); with --read, the "
                   "data folder for the tables.")
@click.option("--read", "read", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Read this filled intake workbook into the tables of the --out folder.")
@click.option("--years", default=None, metavar="YEAR,YEAR",
              help="Report years to type (default: the year before data_year, and data_year).")
@click.option("--from", "data_dir", default=None, type=click.Path(exists=True, file_okay=False),
              help="Data folder to prefill from (default: the group's data_dir, when it exists).")
@click.option("--population", is_flag=True, help="Add a sheet for patients by age band and sex.")
def intake(params: str | None, out: str | None, read: str | None, years: str | None,
           data_dir: str | None, population: bool) -> None:
    """Write the intake workbook of a group, or read a filled one into a data folder.

    spiegelkit intake PARAMS [--out FILE] writes an XLSX to type the printed
    Praktijkspiegels into, figures as printed. spiegelkit intake --read FILE --out DIR
    writes DIR/practices.csv, DIR/mirror.csv (printed form) and, when filled in,
    DIR/population.csv; then run spiegelkit check.
    """
    from spiegelkit.inputs.problems import InputError
    from spiegelkit.tools.intake import intake_to_tables, write_intake

    try:
        if read:
            if not out:
                raise click.UsageError("--read needs --out DIR: the data folder for the tables")
            written, problems = intake_to_tables(Path(read), Path(out))
            for problem in problems:
                click.echo(str(problem))
            for name, path in written.items():
                click.echo(f"{name}: {display_path(path)}")
            return
        if not params:
            raise click.UsageError("name the group's params file, or --read a filled workbook")
        try:
            chosen = [int(y) for y in years.replace(" ", "").split(",")] if years else None
        except ValueError as exc:
            raise click.BadParameter("give years as 2023,2024", param_hint="--years") from exc
        path = write_intake(Path(params), Path(out) if out else None, years=chosen,
                            data_dir=Path(data_dir) if data_dir else None, population=population)
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"intake workbook: {display_path(path)}")


@main.command("vektis-open")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for national_reference.csv and standardised_ratios.csv.")
def vektis_open(file: str, out: str) -> None:
    """National cost rates and per-municipality standardised ratios from Vektis open data.

    FILE is a Vektis Open Databestand Zvw file per municipality (semicolon-separated).
    Municipalities stand in for practices. Bron: Vektis.
    """
    from spiegelkit.inputs.problems import InputError
    from spiegelkit.tools.vektis_open import write_vektis_open

    try:
        written = write_vektis_open(file, out)
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    for name, path in written.items():
        click.echo(f"{name}: {display_path(path)}")


@main.command()
@click.option("--patients", "patients", multiple=True, required=True, type=click.IntRange(min=0),
              help="Registered patients of one practice; repeat for each practice.")
@click.option("--organisation", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Organisation file (insurer and ROS) whose tariffs to use  "
                   "[default: spiegelkit/data/organisation.yaml].")
@click.option("--meetings", default=None, type=click.IntRange(min=1),
              help="Meetings per year  [default: the organisation's].")
@click.option("--supplement", default=None,
              help="Insurer's supplement in euro per patient per year  [default: the organisation's].")
@click.option("--fee-per-practice", default=None,
              help="Facilitation fee in euro per practice per meeting  [default: the organisation's].")
@click.option("--fee-per-patient", default=None,
              help="Facilitation fee in euro per registered patient per meeting  [default: the organisation's].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def costs(patients, organisation, meetings, supplement, fee_per_practice, fee_per_patient, as_json) -> None:
    """Supplement against facilitation fee per practice and for the group.

    Example: spiegelkit costs --patients 2095 gives 1676.00 a year, 154.75 per meeting
    and 464.25 for three meetings (with the default organisation file).
    """
    import dataclasses
    import json

    from spiegelkit.analysis.costs import Tariffs, costs_json, render_costs_text
    from spiegelkit.inputs.organisation import default_organisation, read_organisation
    from spiegelkit.inputs.problems import InputError

    try:
        chosen = read_organisation(Path(organisation)) if organisation else default_organisation()
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    given = {"supplement_per_patient": supplement, "fee_per_practice": fee_per_practice,
             "fee_per_patient": fee_per_patient}
    try:
        tariffs = dataclasses.replace(
            Tariffs.of(chosen), **{key: value.replace(",", ".") for key, value in given.items() if value is not None},
            **({"meetings_per_year": meetings} if meetings is not None else {}))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(costs_json(list(patients), tariffs), indent=2, ensure_ascii=False))
    else:
        click.echo(render_costs_text(list(patients), tariffs), nl=False)


@main.command()
@click.argument("params", type=click.Path(exists=True, dir_okay=False))
@click.option("--meeting", "meeting", required=True, type=click.IntRange(min=1),
              help="Number of the meeting whose record becomes the verslag.")
@click.option("--out", default="outputs", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the per-group outputs.")
@click.option("--pdf", is_flag=True, help="Also print it to OUT/<group id>/verslag-<n>.pdf.")
def report(params: str, meeting: int, out: str, pdf: bool) -> None:
    """Write the verslag of one meeting: OUT/<group id>/verslag-<n>.html and the editable
    verslag-<n>.docx beside it.

    PARAMS is the group's params file; the record is meetings/<group id>/meeting-<n>.yaml
    beside it.
    """
    from spiegelkit.run.pdf import PdfEngineMissing, check_pdf_engine, write_pdfs
    from spiegelkit.run.reports import write_report
    from spiegelkit.inputs.problems import InputError

    try:
        if pdf:
            check_pdf_engine()
        path = write_report(Path(params), meeting, Path(out))
        written = [path, path.with_suffix(".docx"), *(write_pdfs([path]) if pdf else [])]
    except (InputError, PdfEngineMissing) as exc:
        raise click.ClickException(str(exc)) from exc
    for file in written:
        click.echo(f"verslag: {display_path(file)}")


@main.command()
@click.argument("params", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--year", type=click.IntRange(2000, 2100), default=None,
              help="Calendar year to count (default: this year).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def compliance(params: tuple[str, ...], year: int | None, as_json: bool) -> None:
    """The year's obligations per practice across all groups: meetings, reports, signed lists,
    provider talks, and what is still needed.

    PARAMS are group params files (default: params/*.yaml); each group's records are read
    from meetings/<group id>/ beside its params file.
    """
    import datetime as dt
    import json

    from spiegelkit.analysis.compliance import compliance_text, year_obligations
    from spiegelkit.inputs.group import load_group
    from spiegelkit.inputs.problems import InputError

    result = year_obligations([load_group(p) for p in _params_paths(params)],
                              year or dt.date.today().year)
    if any(p.is_error for p in result.problems):
        raise click.ClickException(str(InputError(result.problems)))
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(compliance_text(result), nl=False)


@main.command()
@click.argument("params", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", default="outputs", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the per-group outputs.")
@click.option("--start", default="19:00", show_default=True, help="Start time (HH:MM, Dutch time).")
@click.option("--location", default="", help="Where the meeting is held.")
@click.option("--organiser", default=None, help="Who organises it (default: the facilitator of the group's organisation file).")
@click.option("--organiser-email", default="", help="The organiser's e-mail address, for the calendar.")
def invite(params, out, start, location, organiser, organiser_email) -> None:
    """Write the invitation of each group's meeting: OUT/<group id>/uitnodiging-<n>.html,
    .txt (for an e-mail) and .ics (a calendar event, from START for the agenda's length).

    PARAMS are group params files (default: params/*.yaml).
    """
    import datetime as dt

    from spiegelkit.inputs.problems import InputError
    from spiegelkit.run.invitations import write_invitation

    try:
        begin = dt.datetime.strptime(start, "%H:%M").time()
    except ValueError as exc:
        raise click.BadParameter(f"{start!r}: give the start time as HH:MM, e.g. 19:30",
                                 param_hint="--start") from exc
    for path in _params_paths(params):
        try:
            written = write_invitation(Path(path), Path(out), begin, location, organiser,
                                       organiser_email)
        except InputError as exc:
            raise click.ClickException(str(exc)) from exc
        for file in written:
            click.echo(f"uitnodiging: {display_path(file)}")


if __name__ == "__main__":
    main()
