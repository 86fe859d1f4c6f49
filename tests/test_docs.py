import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from tests.command import workbench
from workbench.cli import app
from workbench.docs import CONTRACT_END, CONTRACT_START, readme_with_contract

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_data_contract_is_generated_from_the_schema():
    text = README.read_text()
    assert text == readme_with_contract(text), "README data contract is stale: run `make docs`"


def test_readme_contract_section_names_every_required_column():
    section = README.read_text().split(CONTRACT_START)[1].split(CONTRACT_END)[0]
    for column in ("person_id", "household_id", "award_id", "benefit", "child_date_of_birth"):
        assert f"| {column} |" in section


def _code_in(text: str) -> list[str]:
    """The command lines a reader copies: each line of a fenced block (a line ending in a
    backslash joined to the next) and each inline code span outside the blocks."""
    lines = []
    for block in re.findall(r"```[^\n]*\n(.*?)```", text, re.S):
        lines += re.sub(r"\\\n\s*", " ", block).splitlines()
    return lines + re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))


def _documented_calls(text: str) -> list[tuple[list[str], str]]:
    """(the command's words, the rest of the line) for each `workbench [--quiet] COMMAND ...`
    shown; the options before the command are checked here, against the workbench's own."""
    calls = []
    call = re.compile(r"(?:^|[\s/])workbench((?:\s+-[-\w]+)*)((?:\s+[a-z][a-z-]*)+)")
    for line in _code_in(text):
        for found in call.finditer(line):
            assert set(found.group(1).split()) <= {"--quiet", "-q"}, line
            # The call only: not what the shell runs after it (`|| logger -t ...`).
            rest = re.split(r"\s(?:\|\|?|&&|;|#)\s", line[found.start(2) :])[0]
            calls.append((found.group(2).split(), rest))
    return calls


def _unknown_options(root: Any, words: list[str], rest: str) -> list[str]:
    """The options on a documented line that its command does not have, or that the line
    names a group without its command; [] when all are real or the words name no command."""
    command, path = root, list[str]()
    for word in words:
        if word not in getattr(command, "commands", {}):
            break
        command, path = command.commands[word], [*path, word]
    if not path:
        return []
    if hasattr(command, "commands"):
        return [f"`workbench {' '.join(path)}` names a group, not a command"]
    options = {"--help"}
    for parameter in command.params:
        options.update(parameter.opts, parameter.secondary_opts)
    shown = re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", rest)
    return [f"workbench {' '.join(path)} {o}" for o in shown if o not in options]


def test_every_command_and_option_the_docs_show_is_one_the_cli_has():
    root = typer.main.get_command(app)
    unknown, checked = [], 0
    for page in [README, *sorted((README.parent / "docs").glob("*.md"))]:
        for words, rest in _documented_calls(page.read_text(encoding="utf-8")):
            checked += words[0] in getattr(root, "commands", {})
            unknown += [f"{page.name}: {u}" for u in _unknown_options(root, words, rest)]
    assert unknown == []
    assert checked >= 65  # the README and docs show 67 calls: the search finds them


def test_the_docs_check_finds_an_option_the_cli_lacks():
    root = typer.main.get_command(app)
    text = "```\nworkbench assess --initiative two_year_old \\\n  --data DIR --fast\n```\n"
    [(words, rest)] = _documented_calls(text)
    assert _unknown_options(root, words, rest) == ["workbench assess --fast"]
    [(words, rest)] = _documented_calls("`workbench -q report 04 --dat D || logger -t wb`")
    assert _unknown_options(root, words, rest) == ["workbench report --dat"]
    [(words, rest)] = _documented_calls("run `workbench review --list x`")
    assert _unknown_options(root, words, rest) == [
        "`workbench review` names a group, not a command"
    ]


def _synopses(text: str) -> dict[str, str]:
    """Each synopsis in the README's command blocks (under "Commands" and "Information
    governance"): its words (`review import review.xlsx` for `review import`), and its line
    with the lines indented under it."""
    shown: dict[str, str] = {}
    for heading in ("### Commands", "### Information governance"):
        block = text.split(f"{heading}\n\n```sh\n", 1)[1].split("```", 1)[0]
        joined = re.sub(r"\n\s+(?=[\[(-])", " ", block)
        for line in joined.splitlines():
            words = re.match(r"workbench((?:\s+[a-z][a-z-]*)+)", line.split("#")[0])
            if words:
                shown[" ".join(words.group(1).split())] = line
    return shown


def _options_missing(root: Any, shown: dict[str, str]) -> list[str]:
    """Every command the CLI has whose synopsis is missing, or leaves out one of its options."""
    missing = []
    stack: list[tuple[list[str], Any]] = [([], root)]
    while stack:
        path, command = stack.pop()
        if hasattr(command, "commands"):
            stack += [([*path, name], sub) for name, sub in command.commands.items()]
            continue
        name = " ".join(path)
        lines = [line for words, line in shown.items() if f"{words} ".startswith(f"{name} ")]
        if not lines:
            missing.append(f"workbench {name}")
            continue
        for parameter in command.params:
            long = [o for o in parameter.opts if o.startswith("--")]
            if long and long[0] != "--help" and not any(o in lines[0] for o in long):
                missing.append(f"workbench {name} {long[0]}")
    return sorted(missing)


def test_the_readme_synopsis_shows_every_command_and_option():
    assert _options_missing(typer.main.get_command(app), _synopses(README.read_text())) == []


def test_the_synopsis_check_finds_a_left_out_option_and_command():
    shown = _synopses(README.read_text())
    shown["stats"] = shown["stats"].replace("--hide-zeros", "")
    del shown["transparency"]
    assert _options_missing(typer.main.get_command(app), shown) == [
        "workbench stats --hide-zeros",
        "workbench transparency",
    ]


DOCS = [README, *sorted((README.parent / "docs").glob("*.md"))]
ROOT = README.parent
# Paths the docs name that are not this repository's files: what a run writes (under
# reports/, a benchmark's cache) and a file of DfE's own repository.
NOT_OURS = ("reports/", "benchmarks/.cache/", "docs/FSM_BASIC_BULK_CHECK_README.md")


def _missing_references(page: Path, text: str) -> list[str]:
    """The repository files a page names (a Markdown link, or `folder/...` in code) that do
    not exist, and any mention of a CONTRACT document, which the repository does not hold."""
    missing = []
    for target in re.findall(r"\]\(([^)#\s]+)[^)]*\)", text):
        if "://" not in target and not (page.parent / target).exists():
            missing.append(f"{page.name}: link {target}")
    folders = "|".join(p.name for p in ROOT.iterdir() if p.is_dir() and p.name != ".git")
    for path in re.findall(rf"`((?:{folders})/[\w./-]*)`", text):
        if not path.startswith(NOT_OURS) and not (ROOT / path).exists():
            missing.append(f"{page.name}: {path}")
    missing += [f"{page.name}: {m}" for m in re.findall(r"\bCONTRACT\b(?: §\d)?", text)]
    return missing


def test_the_docs_name_no_file_the_repository_lacks():
    assert [m for page in DOCS for m in _missing_references(page, page.read_text())] == []


def test_the_reference_check_finds_a_missing_file_and_the_contract_document():
    text = "[A guide](docs/nowhere.md), `workbench/nothing.py`, CONTRACT §1, `docs/linkage.md`."
    assert _missing_references(README, text) == [
        "README.md: link docs/nowhere.md",
        "README.md: workbench/nothing.py",
        "README.md: CONTRACT §1",
    ]


def test_the_readme_gives_each_rule_file_its_current_version():
    from workbench.rules import load_rule_set

    shown = dict(re.findall(r"^- `(\w+)`, now `([\d.]+)`", README.read_text(), re.M))
    files = sorted(p.stem for p in (ROOT / "workbench" / "rules").glob("[!_]*.yaml"))
    assert sorted(shown) == files
    assert {name: load_rule_set(name).version for name in files} == shown


def test_the_layout_names_every_part_of_the_package():
    """Each entry of workbench/ and each module of workbench/runs/ and workbench/data/ is in
    the README's Layout block."""
    layout = README.read_text().split("## Layout\n", 1)[1].split("```", 2)[1]
    package = ROOT / "workbench"
    parts = [p for p in package.iterdir() if p.name not in {"__pycache__", "py.typed"}]
    parts += [p for folder in ("runs", "data") for p in (package / folder).glob("[!_]*.py")]
    assert [p.name for p in parts if p.name.removesuffix(".py") not in layout] == []


@pytest.mark.slow  # two councils made and published: make test-slow (CI runs both)
def test_the_readme_example_of_tables_withheld_together_is_what_stats_does(tmp_path):
    """The README's example under "Tables published together are protected together" (a
    council and a command) withholds the three tables it names, for the others published."""
    text = " ".join(README.read_text().split())
    assert "`workbench synth --out c4000 --households 4000 --seed 1`" in text
    assert "publishes five tables and withholds three so (`take_up_by_area`," in text
    made = workbench("synth", "--out", "c4000", "--households", "4000", "--seed", "1", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    args = ["--initiative", "two_year_old", "--data", "c4000", "--term-start", "2026-09-01"]
    done = workbench("stats", *args, "--as-of", "2026-08-01", "--out", "st4000", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    withheld = re.findall(r"^withheld  (\w+): (.*)$", done.stdout + done.stderr, re.M)
    assert [name for name, _ in withheld] == ["take_up_by_area", "take_up_by_age_band", "funnel"]
    assert all(why.startswith("Not safe to publish with the other tables.") for _, why in withheld)
    assert "5 table(s) published, 3 withheld" in done.stdout + done.stderr


def _walk_through() -> list[str]:
    """The commands of the README's "A term's work, step by step", one a line."""
    section = README.read_text().split("## A term's work, step by step\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = re.sub(r"\\\n\s*", " ", block).splitlines()
    return [line.split("  #")[0].strip() for line in lines if line and not line.startswith("#")]


def _fill_in_the_workbook(path: Path) -> None:
    """Step 4, as an officer does it in Excel: 4 contact, 3 check, 1 not_eligible."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book["Review"]
    header = [cell.value for cell in sheet[1]]
    for row, decision in enumerate(["contact"] * 4 + ["check"] * 3 + ["not_eligible"], start=2):
        for column, value in (
            ("decision", decision),
            ("reviewer", "J Smith"),
            ("reason", "moved away"),
        ):
            sheet.cell(row, header.index(column) + 1).value = value
    book.save(path)


def _dfe_answers(folder: Path) -> None:
    """What DfE's childcare service gives back for the export: its rows and an Outcome."""
    sent = (folder / "checks" / "two_year_old-part1.csv").read_text().splitlines()
    outcomes = ["Eligible", "May not be eligible"] * len(sent)
    rows = [f"{sent[0]},Outcome", *(f"{r},{o}" for r, o in zip(sent[1:], outcomes, strict=False))]
    answers = folder / "outcomes.csv"
    answers.write_text("\n".join(rows) + "\n")
    answers.chmod(0o600)


@pytest.mark.slow  # a term's work end to end: make test-slow (CI runs both)
def test_the_readme_walk_through_runs_as_written(tmp_path):
    env = {**os.environ, "PWD": str(tmp_path)}
    said = {}
    for line in _walk_through():
        if line.startswith("export "):
            name, value = line.removeprefix("export ").split("=", 1)
            env[name] = value.strip('"').replace("$PWD", str(tmp_path))
            continue
        words = shlex.split(line)
        assert words[0] == "workbench", line
        if words[1:3] == ["review", "import"]:
            _fill_in_the_workbook(tmp_path / "review.xlsx")
        if words[1:3] == ["check", "import"]:
            _dfe_answers(tmp_path)
        done = workbench(*words[1:], cwd=tmp_path, env=env)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        said[" ".join(words[1:3])] = " ".join((done.stdout + done.stderr).split())
    assert env["WORKBENCH_STORE"] == str(tmp_path / "review.sqlite")
    assert "26 candidate(s) for the term starting 2026-09-01" in said["assess --initiative"]
    assert "8 decision(s) recorded for J Smith" in said["review import"]
    assert "4 of 26 children to contact" in said["review outreach"]
    assert "2 the list shows as already funded" in said["review outreach"]
    assert "7 row(s) for 7 child(ren) in two_year_old-part1.csv" in said["check export"]
    assert "outcomes.csv removed" in said["check import"]
    assert "All 14 checks passed (1 with warnings for the auditor)." in said["assure lists"]
    assert "WARN no contact to already-funded children: 2 contact" in said["assure lists"]
