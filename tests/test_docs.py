import re
from pathlib import Path
from typing import Any

import typer

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
