"""Governance commands: retention, subject access and the transparency record
(`retention`, `subject-access`, `transparency`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbench.cli._common import DataDir, ProfileFile, parse_date, store_named, use_profile
from workbench.cli._outputs import (
    data_folder_inputs,
    file_inputs,
    list_inputs,
    output_file,
    refuse_writing_over_inputs,
    store_inputs,
)
from workbench.errors import DataFileError, UsageError
from workbench.governance.access import record_access

if TYPE_CHECKING:
    from workbench.governance.subject_access import NameSearch


def retention_command(
    apply: Annotated[
        bool,
        typer.Option(
            "--apply/--dry-run",
            help="--dry-run (the default) lists what is kept and what is past its date; "
            "--apply deletes what is past its date and logs it.",
        ),
    ] = False,
    reports: Annotated[
        Path, typer.Option("--reports", help="The reports folder holding the run folders.")
    ] = Path("reports"),
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="A retention policy YAML file (default: the package's)."),
    ] = None,
    lists: Annotated[
        list[Path] | None,
        typer.Option(
            "--lists",
            help="Another folder to search for candidate lists, outreach, check and "
            "subject-access exports, review workbooks, DfE's results files, quarantine files "
            "and link outputs (repeat).",
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="A review store: remove its list items, decisions and DfE check results past "
            "their period (through the store, logged); DfE's results files it records as "
            "imported are dated by their import; it is told which of its exports' files are "
            "deleted (so that subject access says so).",
        ),
    ] = None,
    log: Annotated[
        Path | None,
        typer.Option("--log", help="The deletion log (default: REPORTS/retention-log.jsonl)."),
    ] = None,
    today: Annotated[
        str | None, typer.Option("--today", help="Plan as on this day (ISO date).")
    ] = None,
) -> None:
    """Delete run folders, restricted outputs, lists, outreach and check exports, DfE's
    results files, quarantine files, link outputs and subject-access exports past their date."""
    from datetime import UTC, datetime

    from workbench.governance import apply_retention, load_policy, plan_retention

    day = parse_date(today, "--today") if today else datetime.now(UTC).date()
    log_file = log or Path(reports) / "retention-log.jsonl"
    if apply:
        refuse_writing_over_inputs(
            [output_file("--log", log_file, "the deletion log")],
            [*file_inputs(policy, "the retention policy (--policy)"), *store_inputs(store)],
        )
    plan = plan_retention(reports, load_policy(policy), day, list_roots=lists or [], store=store)
    rows = plan.table()
    width = max([18, *(len(row[1]) for row in rows)])  # subject_access_exports is longer
    for action, kind, path, _created, expires in rows:
        typer.echo(f"{action:6} {kind:{width}} {expires}  {path}")
    for note in plan.notes:
        typer.echo(note)
    if not apply:
        typer.echo(
            f"Dry run: {len(plan.due)} item(s) past their date, {len(plan.kept)} kept. "
            "Nothing deleted; run with --apply to delete."
        )
        return
    deleted = apply_retention(plan, log_file)
    counts = ", ".join(f"{n} {kind}" for kind, n in deleted.items())
    typer.echo(f"Deleted {counts} (a folder counts once, with all inside it). Logged.")
    exports = len(plan.export_items)
    if plan.store is not None and plan.store.exports:
        typer.echo(
            f"The review store was told that the files of {len(plan.store.exports)} of its "
            "exports were deleted: subject access says so."
        )
    elif plan.store is None and exports:
        typer.echo(
            f"The review store was not told (no --store) that the files of {exports} outreach "
            "export(s), check export(s) or review workbook(s) were deleted: subject access asks "
            "for them as files not given."
        )


def subject_access_command(
    data: DataDir,
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="The export, .md or .html (owner-only); a CSV appendix beside it."
        ),
    ],
    person: Annotated[
        str | None, typer.Option("--person", help="The person id in the people file.")
    ] = None,
    forename: Annotated[
        str | None,
        typer.Option(
            "--forename",
            help="With --surname and --dob, instead of --person: found in the people file or, "
            "for a child known only from the DWP list, in the DWP list.",
        ),
    ] = None,
    surname: Annotated[str | None, typer.Option("--surname")] = None,
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth (ISO date).")] = None,
    dwp_record: Annotated[
        list[str] | None,
        typer.Option(
            "--dwp-record",
            help="Instead of --person: the DWP record id of a child known only from the DWP "
            "list, linked to no one in the people file (repeat for each row about them).",
        ),
    ] = None,
    nino: Annotated[
        str | None,
        typer.Option(
            "--nino",
            help="Instead of --person: a parent or carer known only from the DWP list "
            "(someone in the people file is asked for by --person).",
        ),
    ] = None,
    list_files: Annotated[
        list[Path] | None,
        typer.Option("--list", help="A list written by `workbench assess` (repeat for each)."),
    ] = None,
    reports: Annotated[
        Path | None,
        typer.Option(
            "--reports",
            help="A reports folder: every list under it (with its .manifest.json) is searched, "
            "with the exports beside it; default: ./reports when it is there.",
        ),
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="The review store (SQLite file).")
    ] = None,
    outreach_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--outreach",
            help="An outreach export (`workbench review outreach`) to search too (repeat for "
            "each); those beside the lists are found without it.",
        ),
    ] = None,
    check_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--check",
            help="A DfE check export (`workbench check export`: its NAME.check.json, "
            "NAME.not_checkable.csv or NAME.csv) to search for children not checkable (repeat "
            "for each); those beside the lists are found without it.",
        ),
    ] = None,
    workbook_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--workbook",
            help="A review workbook (`workbench review export`, .xlsx) to search too (repeat "
            "for each); those beside the lists are found without it.",
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace an export (or its appendix) already at --out."),
    ] = False,
    profile: ProfileFile = None,
) -> None:
    """Everything the workbench holds about one person, for the data protection team."""
    from workbench.governance.subject_access import (
        appendix_path,
        check_answer_path,
        subject_access,
    )

    refuse_writing_over_inputs(
        [output_file("--out", out, "the export", (appendix_path(out), "its CSV appendix"))],
        [
            *data_folder_inputs(data, profile),
            *(entry for path in list_files or [] for entry in list_inputs(path)),
            *(i for path in outreach_files or [] for i in file_inputs(path, "an outreach export")),
            *(i for path in check_files or [] for i in file_inputs(path, "a check export")),
            *(i for path in workbook_files or [] for i in file_inputs(path, "a review workbook")),
            *store_inputs(store),
        ],
    )
    use_profile(profile)
    from workbench.review import load_key

    named = [
        person is not None,
        any((forename, surname, dob)),
        nino is not None,
        bool(dwp_record),
    ]
    if sum(named) != 1:
        raise UsageError(
            "name the person in one way: --person ID, or --forename, --surname and --dob, "
            "or --dwp-record ID (a child known only from the DWP list), or --nino (a parent "
            "known only from the DWP list)"
        )
    by_name = _name_search(forename, surname, dob) if named[1] else None
    # Refused before the access log's line: a run that writes nothing is not logged.
    check_answer_path(out, data, overwrite)
    if store is not None and not store.is_file():  # never made by asking: it is searched
        raise DataFileError(
            store_named(store), "no review store here; expected a store the workbench wrote"
        )
    # In the store given, the council's record of it; else the default store.
    record_access("subject-access", f"data {data.absolute()}, one person's record", store=store)
    if reports is None and Path("reports").is_dir():
        reports = Path("reports")  # as `workbench retention` finds it
    written = subject_access(
        person,
        data=data,
        lists=list_files or [],
        store=store,
        key=load_key(),
        out=out,
        dwp_records=dwp_record or [],
        nino=nino,
        named=by_name,
        reports=reports,
        outreach=outreach_files or [],
        checks=check_files or [],
        workbooks=workbook_files or [],
        overwrite=overwrite,
    )
    typer.echo(
        f"Subject access export written to {written} and {appendix_path(written)} "
        "(owner-only). Read its notes before release."
    )


def _name_search(forename: str | None, surname: str | None, dob: str | None) -> NameSearch:
    """The request by names and date of birth: found as `find_subject` finds it (refused when
    more than one child could be meant), or answered "nothing held" when no one has them."""
    from workbench.governance.subject_access import NameSearch

    if not (forename and surname and dob):
        raise UsageError("--forename, --surname and --dob go together")
    return NameSearch(forename, surname, parse_date(dob, "--dob"))


def term_in_progress(today: date) -> date:
    """The first day of the term in progress on `today` (the two-year-old offer's term
    starts, as every offer's here): what the transparency record describes by default, rather
    than "the term starting" on a day no term starts (a tester's case).

    >>> term_in_progress(date(2026, 12, 7)), term_in_progress(date(2027, 1, 1))
    (datetime.date(2026, 9, 1), datetime.date(2027, 1, 1))
    """
    from workbench.eligibility.terms import latest_term_start
    from workbench.rules import load_rule_set

    population = load_rule_set("two_year_old").population
    return latest_term_start(today, population.window_on(today).starts)


def transparency_command(
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="Describe the rules in force for the term starting on this date; default: "
            "the term in progress today (from its first day).",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the record here (Markdown).")
    ] = None,
) -> None:
    """The algorithmic transparency record (ATRS) and DPIA helper, generated from the rules."""
    from datetime import UTC, datetime

    from workbench.governance import transparency_record

    day = parse_date(on, "--on") if on else term_in_progress(datetime.now(UTC).date())
    record = transparency_record(day)
    if out is None:
        typer.echo(record, nl=False)
        return
    from workbench.private_files import write_replacing

    # Meant to be published (no personal data), so readable by all; a link at `out` is
    # replaced, never written through.
    out.parent.mkdir(parents=True, exist_ok=True)  # as the other commands' --out
    write_replacing(out, lambda path: path.write_text(record, encoding="utf-8"))
    typer.echo(f"Transparency record for {day} written to {out}")
