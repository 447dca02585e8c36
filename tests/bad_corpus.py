"""Run the bad-input corpus (tests/data/bad/corpus.yaml) through ``check``, one case at a time.

Each case puts one malformed or hostile file into a fresh copy of the mini group and checks
the group in a process of its own (forked, so a hang can be stopped). A case is

- clear: check named the fault (the expected fragment, row and field), or read the file
  right (the expected value);
- traceback: check raised instead of answering;
- silent: check passed a file that it should have refused (or read a value wrongly);
- unclear: check refused the file, but not with the expected message;
- hang: check took longer than TIMEOUT seconds.

``python tests/bad_corpus.py`` prints one line per case that is not clear and the summary
``bad inputs: N, clear N, traceback 0, silent 0, hang 0``; tests/test_bad_corpus.py runs it.
"""

from __future__ import annotations

import importlib
import multiprocessing
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import yaml

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from conftest import DATA, replace_table  # noqa: E402

CORPUS = DATA / "bad" / "corpus.yaml"
TIMEOUT = 30.0  # seconds per case; a normal check of the mini group takes well under one
SLOW = 5.0  # a case that takes longer is reported as slow (it counts as clear)
TABLES = ("practices", "population", "mirror", "reference")


@dataclass
class Outcome:
    case: dict
    verdict: str  # clear, traceback, silent, unclear, hang
    seconds: float
    detail: str = ""

    @property
    def name(self) -> str:
        return self.case["file"]


def cases() -> list[dict]:
    return yaml.safe_load(CORPUS.read_text(encoding="utf-8"))


def mini_group(folder: Path) -> Path:
    """A copy of the mini data folder and its group params in `folder` (as conftest's fixture)."""
    shutil.copytree(DATA / "mini", folder / "mini")
    shutil.copy(DATA / "mini-group.yaml", folder / "group.yaml")
    return folder / "group.yaml"


def place(case: dict, folder: Path) -> Path:
    """Put the case's file in a fresh mini group; returns the params file to check."""
    params = mini_group(folder)
    source = DATA / "bad" / case["file"]
    kind = case["as"]
    if kind in TABLES:
        replace_table(params, case["file"], kind)
    elif kind == "params":  # beside the mini folder, as tests/data/bad/ is: data_dir ../mini
        (folder / "bad").mkdir()
        params = folder / "bad" / case["file"]
        shutil.copy(source, params)
    elif kind == "record":
        records = folder / "meetings" / "hagro-mini"
        records.mkdir(parents=True)
        shutil.copy(source, records / case.get("name", "meeting-1.yaml"))
    elif kind == "catalogue":
        shutil.copy(source, folder / "mini" / "indicators.yaml")
    else:
        raise ValueError(f"unknown kind {kind!r} in {CORPUS.name}")
    return params


def _check_in_child(case: dict, connection) -> None:
    """In the forked process: lower the limits, check the group, send back what was found."""
    try:
        for name, value in (case.get("limits") or {}).items():
            module, attribute = name.rsplit(".", 1)
            setattr(importlib.import_module(module), attribute, value)
        from spiegelkit.run.check import check_group

        with tempfile.TemporaryDirectory() as tmp:
            group = check_group(place(case, Path(tmp)))
            problems = [dict(severity=p.severity, text=str(p), row=p.row, field=p.field)
                        for p in group.problems]
            connection.send(("done", problems, _value(case, group)))
    except BaseException:  # noqa: BLE001 - a traceback is the finding
        connection.send(("traceback", traceback.format_exc(), None))


def _value(case: dict, group):
    """The value the case asks about, as check read it."""
    want = case.get("value")
    if not want or not group.ok:
        return None
    if "params" in want:
        return getattr(group.params, want["params"])
    if "records" in want:
        return len(group.records)
    table = getattr(group.data, case["as"])
    value = table.loc[want["row"] - 2, want["field"]]
    return value.item() if hasattr(value, "item") else value


def run_case(case: dict) -> Outcome:
    started = time.monotonic()
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_check_in_child, args=(case, send))
    child.start()
    send.close()
    answer = receive.recv() if receive.poll(TIMEOUT) else None
    child.join(5)
    if child.is_alive():
        child.kill()
        child.join()
    seconds = time.monotonic() - started
    if answer is None:
        return Outcome(case, "hang", seconds, f"no answer within {TIMEOUT:g} s")
    status, found, value = answer
    if status == "traceback":
        return Outcome(case, "traceback", seconds, found.strip().splitlines()[-1])
    return judge(case, found, value, seconds)


def judge(case: dict, problems: list[dict], value, seconds: float) -> Outcome:
    errors = [p for p in problems if p["severity"] == "error"]
    if "value" in case:
        if errors:
            return Outcome(case, "unclear", seconds, "refused a file it should read: "
                           + errors[0]["text"].splitlines()[0])
        want = case["value"]["equals"]
        if value != want:
            return Outcome(case, "silent", seconds, f"read {value!r}, not {want!r}")
        return Outcome(case, "clear", seconds, f"read {value!r}")
    pool = problems if case.get("warning") else errors
    if not errors:
        return Outcome(case, "silent", seconds, "passed check"
                       + (f" with {len(problems)} warning(s)" if problems else ""))
    fragment = case["expect"].lower()
    for problem in pool:
        if fragment in problem["text"].lower() \
                and case.get("row", problem["row"]) == problem["row"] \
                and case.get("field", problem["field"]) == problem["field"]:
            return Outcome(case, "clear", seconds, problem["text"].splitlines()[0])
    return Outcome(case, "unclear", seconds, " | ".join(p["text"].splitlines()[0] for p in errors))


def run_corpus(selected: list[dict] | None = None) -> list[Outcome]:
    from spiegelkit.run import check  # noqa: F401 - imported once, before the forks

    return [run_case(case) for case in (selected or cases())]


def summary(outcomes: list[Outcome]) -> str:
    count = {verdict: sum(o.verdict == verdict for o in outcomes)
             for verdict in ("clear", "traceback", "silent", "hang", "unclear")}
    slowest = max(outcomes, key=lambda o: o.seconds)
    return (f"bad inputs: {len(outcomes)}, clear {count['clear']}, traceback {count['traceback']}, "
            f"silent {count['silent']}, hang {count['hang']}, unclear {count['unclear']} "
            f"(slowest {slowest.seconds:.1f} s: {slowest.name})")


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    outcomes = run_corpus()
    for outcome in outcomes:
        if verbose or outcome.verdict != "clear":
            print(f"{outcome.verdict:9} {outcome.seconds:4.1f} s  {outcome.name}: {outcome.detail}")
    print(summary(outcomes))
    return 0 if all(o.verdict == "clear" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
