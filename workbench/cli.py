"""The `workbench` command: thin wrappers over package functions, one function per command.

Exit codes (for schedulers): 0 success; 1 bad input (a one-line error naming file, row and
column); 2 the command line itself is wrong; 3 the command ran but its checks failed
(`validate --strict` with quarantined rows, `assure` with a failed check); 4 a report's notebook
failed (its run is kept as <folder>-failed/).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from workbench import progress
from workbench.errors import UsageError, WorkbenchError
from workbench.governance.access import record_access

app = typer.Typer(
    name="workbench",
    help="Eligibility Workbench: candidate lists for human review, never decisions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_REPORT_FAILED = 4
EXIT_CHECKS_FAILED = 3

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages on stderr.")]


def parse_date(value: str, option: str) -> date:
    """An ISO date from the command line, or a UsageError naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} must be an ISO date like 2026-09-01; got {value!r}") from None


@app.callback()
def _root(quiet: Quiet = False) -> None:
    progress.set_enabled(not quiet)


# --- commands -------------------------------------------------------------------------------
# Each command parses its options, calls one package function and prints its result.
# Add new commands below this line, one function each, with no logic of their own.


@app.command("schema")
def schema_command() -> None:
    """Print the data contract: every canonical table and column, generated from the schema."""
    from workbench.schema import contract_markdown

    typer.echo(contract_markdown())


@app.command("validate")
def validate_command(
    data: Annotated[
        Path, typer.Argument(metavar="DIR", help="The data folder to check (people.csv, ...).")
    ],
    quarantine_out: Annotated[
        Path | None,
        typer.Option(
            "--quarantine-out",
            help="Write every quarantined row (file, row, column, value, reason) to this .csv "
            "(or .parquet) file. It holds personal data as given: keep it restricted.",
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 3 when any row is quarantined.")
    ] = False,
    equality_monitoring: Annotated[
        bool,
        typer.Option(
            "--equality-monitoring",
            help="Also read and check the special-category columns (sex, ethnicity, "
            "first_language), which are otherwise never read.",
        ),
    ] = False,
) -> None:
    """Check a data folder against the data contract and report the quarantine."""
    from workbench.io import load_folder
    from workbench.reporting import print_validation, write_quarantine

    record_access("validate", f"data {data}")
    loaded = load_folder(data, equality_monitoring=equality_monitoring)
    print_validation(loaded)
    if quarantine_out is not None:
        written = write_quarantine(loaded.quarantine, quarantine_out)
        typer.echo(f"Quarantine written to {written}")
    if strict and loaded.quarantine.height:
        raise typer.Exit(EXIT_CHECKS_FAILED)


Initiative = Annotated[
    str,
    typer.Option(
        "--initiative", help="two_year_old, free_school_meals, early_years_pupil_premium."
    ),
]
TermStart = Annotated[
    str, typer.Option("--term-start", help="First day of the term being targeted (ISO date).")
]
AsOf = Annotated[
    str,
    typer.Option("--as-of", help="Evidence date: awards must be active on it; its rules apply."),
]
Linkage = Annotated[
    str,
    typer.Option(
        "--linkage",
        help="exact (default: only exact agreement links a DWP-list or funded-place row; a row "
        "with a typo is missed) or probabilistic (then Splink; uncertain pairs are flagged for "
        "a person to confirm, never used).",
    ),
]
StatsLinkage = Annotated[
    str,
    typer.Option(
        "--linkage",
        help="probabilistic (default: the exact pass, then Splink, so that a funded place "
        "whose row has a typo still counts; uncertain pairs are not counted) or exact (only "
        "exact agreement: take-up reads low when funded-place rows have typos).",
    ),
]
DataDir = Annotated[Path, typer.Option("--data", help="The data folder (people.csv, ...).")]


@app.command("assess")
def assess_command(
    initiative: Initiative,
    data: DataDir,
    term_start: TermStart,
    as_of: AsOf,
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="The list to write: .csv or .parquet. Personal data: kept owner-only."
        ),
    ],
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="A rule file to use instead of the package's own."),
    ] = None,
    linkage: Linkage = "exact",
) -> None:
    """List children who look eligible, with reasons and evidence, for a person to review."""
    from workbench.lists import assess_folder
    from workbench.reporting import print_assessment

    record_access("assess", f"data {data}, initiative {initiative}, out {out}")
    run = assess_folder(
        data,
        initiative=initiative,
        term_start=parse_date(term_start, "--term-start"),
        as_of=parse_date(as_of, "--as-of"),
        out=out,
        rules_path=rules,
        linkage=linkage,
    )
    print_assessment(run)


@app.command("stats")
def stats_command(
    initiative: Initiative,
    data: DataDir,
    term_start: TermStart,
    as_of: AsOf,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for the tables (CSV) and stats_manifest.json: aggregates only, "
            "each written only when it passed disclosure control.",
        ),
    ],
    threshold: Annotated[
        int,
        typer.Option("--threshold", min=1, help="Counts below this are hidden (shown as c)."),
    ] = 10,
    round_to: Annotated[
        int | None,
        typer.Option("--round-to", min=1, help="Round published counts to this multiple, e.g. 5."),
    ] = None,
    ward_lookup: Annotated[
        Path | None,
        typer.Option(
            "--ward-lookup",
            help="CSV or .xlsx with columns postcode (a full postcode, a sector like 'FQ1 2' "
            "or a district like 'FQ1') and ward, optionally ward_code: adds take_up_by_ward.",
        ),
    ] = None,
    trend_terms: Annotated[
        str | None,
        typer.Option(
            "--trend-terms",
            help="Earlier term starts for a trend table, ISO dates separated by commas "
            "(2026-01-01,2026-04-01); each term is assessed on its own first day.",
        ),
    ] = None,
    linkage: StatsLinkage = "probabilistic",
) -> None:
    """Write take-up, funnel and equality tables for a term as CSV, after disclosure control."""
    from workbench.stats import DisclosureRules
    from workbench.stats.report import parse_trend_terms, write_stats

    record_access("stats", f"data {data}, initiative {initiative}, out {out}")
    result = write_stats(
        data,
        initiative=initiative,
        term_start=parse_date(term_start, "--term-start"),
        as_of=parse_date(as_of, "--as-of"),
        out=out,
        rules=DisclosureRules(threshold=threshold, round_to=round_to),
        ward_lookup=ward_lookup,
        terms=parse_trend_terms(trend_terms) or None,
        linkage=linkage,
    )
    for path in result.published.values():
        typer.echo(f"published {path}")
    for name, reason in result.withheld.items():
        typer.echo(f"withheld  {name}: {reason}")
    for caveat in result.caveats:
        typer.echo(f"note: {caveat}")
    if result.ward_lookup is not None:
        unmatched = result.ward_lookup["people_postcodes"]["unmatched"]
        typer.echo(f"note: {unmatched} postcode(s) in the data matched no ward (ward unknown)")
    typer.echo(
        f"{len(result.published)} table(s) published, {len(result.withheld)} withheld; "
        f"see {result.manifest}"
    )


@app.command("rules")
def rules_command(
    initiative: Annotated[
        str | None, typer.Option("--initiative", help="One initiative (default: all).")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="The date the rules are in force (default: today).")
    ] = None,
) -> None:
    """Print the rules in force on a date in plain English, with their sources."""
    from workbench.rules import available_initiatives, load_rule_set
    from workbench.rules.describe import describe_rule_set

    day = parse_date(on, "--on") if on else date.today()
    names = [initiative] if initiative else available_initiatives()
    texts = [describe_rule_set(load_rule_set(name), day) for name in names]
    typer.echo("\n\n".join(texts))


@app.command("demo")
def demo_command(
    households: Annotated[
        int, typer.Option("--households", min=10, help="Size of the synthetic council.")
    ] = 20000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the synthetic council.")] = (
        20260901
    ),
    reports: Annotated[
        Path, typer.Option("--reports", help="Where run folders are written.")
    ] = Path("reports"),
) -> None:
    """Run the whole pipeline on a synthetic council and write a report under reports/."""
    from workbench.demo import run_demo

    result = run_demo(reports, households=households, seed=seed)
    for initiative, path in result.lists.items():
        typer.echo(f"{initiative} list (restricted, pending review): {path}")
    typer.echo(f"Demo summary: {result.summary_html}")
    typer.echo(f"Take-up report (HTML): {result.report_html}")


@app.command("explain")
def explain_command(
    initiative: Initiative,
    data: DataDir,
    person: Annotated[
        str, typer.Option("--person", help="The person_id to explain (from people).")
    ],
    term_start: TermStart,
    as_of: AsOf,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="A rule file to use instead of the package's own."),
    ] = None,
) -> None:
    """Say why a person is or is not listed, criterion by criterion, in plain English."""
    from workbench.explain import explain_folder

    record_access("explain", f"data {data}, initiative {initiative}, one person's record")
    found = explain_folder(
        data,
        initiative=initiative,
        person_id=person,
        term_start=parse_date(term_start, "--term-start"),
        as_of=parse_date(as_of, "--as-of"),
        rules_path=rules,
    )
    typer.echo(found.to_text())


@app.command("synth")
def synth_command(
    out: Annotated[Path, typer.Option("--out", help="The folder to write the council to.")],
    households: Annotated[
        int, typer.Option("--households", min=1, help="How many households (~2.4 people each).")
    ] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed: the same arguments give the same files.")
    ] = 20260901,
    messy: Annotated[
        bool,
        typer.Option(
            "--messy",
            help="Add a handful of each kind of bad row to every table, listed in "
            "messy_manifest.csv.",
        ),
    ] = False,
    file_format: Annotated[
        str, typer.Option("--format", help="Format of the canonical tables: csv, parquet or xlsx.")
    ] = "csv",
    reference_date: Annotated[
        str,
        typer.Option("--reference-date", help="The day the extracts are taken (ISO date)."),
    ] = "2026-09-01",
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a data folder already at --out.")
    ] = False,
) -> None:
    """Write a synthetic council (people, benefits, statuses, DWP list, funded places) with a
    ground truth for linkage. Only made-up data: nothing real is used."""
    from workbench.synth import check_destination, generate_council, write_council

    on = parse_date(reference_date, "--reference-date")
    check_destination(out, file_format, overwrite)
    tables = generate_council(households, seed, on, messy=messy)
    made_with = (
        f"workbench synth --households {households} --seed {seed}"
        + (" --messy" if messy else "")
        + f" --format {file_format} --reference-date {on.isoformat()} --out {out}"
    )
    written = write_council(tables, out, file_format, overwrite=overwrite, made_with=made_with)
    typer.echo(f"Synthetic council of {households} households: {len(written)} files in {out}")


@app.command("link")
def link_command(
    data: DataDir,
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="The links to write: .csv or .parquet. Personal data: kept owner-only."
        ),
    ],
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            help="A ground truth (ground_truth.csv from `workbench synth`): measure the links.",
        ),
    ] = None,
    quality_out: Annotated[
        Path | None,
        typer.Option(
            "--quality-out",
            help="A folder for the aggregate quality tables as CSV (needs --truth).",
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model", help="A linkage model folder (Splink JSON) written by save_settings."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seeds Splink's sampling of u.")] = 0,
) -> None:
    """Link DWP-list and funded-place rows to the council's children; with --truth, measure."""
    from workbench.linkage.model import link_folder, load_settings

    record_access("link", f"data {data}, out {out}")
    run = link_folder(
        data,
        out,
        truth=truth,
        quality_out=quality_out,
        model=load_settings(model) if model is not None else None,
        seed=seed,
    )
    counts = run.links.group_by("source", "band").len().sort("source", "band")
    for source, band, rows in counts.iter_rows():
        typer.echo(f"{source}: {rows} {band}")
    typer.echo(f"links written to {run.out}")
    if run.evaluation is not None:
        typer.echo("\n".join(run.evaluation.summary()))
    if run.quality_files:
        typer.echo(f"quality tables written to {run.quality_files[0].parent}")


@app.command("report")
def report_command(
    notebook: Annotated[
        str,
        typer.Argument(
            metavar="NOTEBOOK",
            help="A notebook in notebooks/ (01_explore_data, 02_eligibility_list, ...) or a "
            "path to an .ipynb file.",
        ),
    ],
    data: DataDir,
    parameter: Annotated[
        list[str] | None,
        typer.Option(
            "-p",
            "--parameter",
            metavar="NAME=VALUE",
            help="A notebook parameter, e.g. -p term_start=2026-09-01; repeat for more. "
            "Values are typed by the notebook's parameters cell.",
        ),
    ] = None,
    reports: Annotated[
        Path, typer.Option("--reports", help="Where run folders are written.")
    ] = Path("reports"),
    kernel: Annotated[
        str, typer.Option("--kernel", help="The Jupyter kernel to run the notebook in.")
    ] = "python3",
) -> None:
    """Run a notebook with papermill into reports/<date>-<notebook>-<run id>/: the executed
    notebook, report.html (code hidden, opens offline), manifest.json, and its shareable/ and
    restricted/ outputs. Exit 4 when the notebook fails (kept as <folder>-failed/)."""
    from workbench.report import ReportFailed, parse_parameters, run_report

    record_access("report", f"notebook {notebook}, data {data}")
    try:
        run = run_report(
            notebook,
            data=data,
            parameters=parse_parameters(parameter),
            reports=reports,
            kernel=kernel,
        )
    except ReportFailed as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_REPORT_FAILED) from None
    typer.echo(f"Report: {run.html}")
    typer.echo(f"Manifest: {run.manifest}")


review_app = typer.Typer(
    name="review",
    help="Review lists: in Excel (export/import) or in a web page (serve); outreach after review.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")

ListFile = Annotated[
    Path,
    typer.Option(
        "--list",
        help="A list written by `workbench assess` (.csv or .parquet, with its manifest).",
    ),
]
StorePath = Annotated[
    Path,
    typer.Option(
        "--store", help="The review store (SQLite file); created owner-only when missing."
    ),
]


@review_app.command("export")
def review_export_command(
    store: StorePath,
    list_file: ListFile,
    out: Annotated[
        Path,
        typer.Option("--out", help="The workbook to write (.xlsx). Personal data: owner-only."),
    ],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a workbook already at --out.")
    ] = False,
) -> None:
    """Write a review workbook: one row per child, a drop-down for the decision."""
    from workbench.review import ReviewStore, load_key
    from workbench.review.excel import export_list_file

    with ReviewStore(store) as review_store:
        list_id, written = export_list_file(
            review_store, list_file, out, key=load_key(), overwrite=overwrite
        )
    typer.echo(
        f"Review workbook for list {list_id} written to {written} (owner-only). "
        "Nothing has been decided: import it once filled in with `workbench review import`."
    )


@review_app.command("import")
def review_import_command(
    workbook: Annotated[Path, typer.Argument(metavar="FILE", help="A review workbook, filled in.")],
    store: StorePath,
    reviewer: Annotated[
        str, typer.Option("--reviewer", help="The name of the person who made the decisions.")
    ],
) -> None:
    """Check every row of a filled-in review workbook, then record its decisions, all or none."""
    from workbench.review import ReviewStore, load_key
    from workbench.review.excel import import_review_workbook

    with ReviewStore(store) as review_store:
        result = import_review_workbook(review_store, workbook, reviewer=reviewer, key=load_key())
    typer.echo(
        f"List {result.list_id}: {result.recorded} decision(s) recorded for {reviewer}, "
        f"{result.already_recorded} already recorded, {result.skipped_blank} row(s) without a "
        "decision left undecided."
    )


@review_app.command("serve")
def review_serve_command(
    store: Annotated[
        Path,
        typer.Option("--store", help="The review store; must exist (`review export` creates it)."),
    ],
    list_file: ListFile,
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8866,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="The address to listen on: localhost; put a sign-in proxy in front rather "
            "than widening it.",
        ),
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="WORKBENCH_REVIEW_TOKEN",
            help="The token every request must carry; random when not given.",
        ),
    ] = None,
    user_header: Annotated[
        str | None,
        typer.Option(
            "--user-header",
            help="A header a trusted sign-in proxy sets to the officer's name "
            "(e.g. X-Forwarded-User).",
        ),
    ] = None,
    write_app: Annotated[
        Path | None,
        typer.Option(
            "--write-app",
            help="Only write the app's notebook into this folder (for JupyterHub) and exit.",
        ),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open-browser", help="Open the app in this machine's browser.")
    ] = False,
) -> None:
    """Serve the review panel as a web page for officers (Voilà; token required; no code shown)."""
    from workbench.review.app import prepare_review_app, serve_review_app

    if write_app is not None:
        files = prepare_review_app(store, list_file, user_header=user_header, folder=write_app)
        typer.echo(
            f"Review app for list {files.list_id} written to {files.notebook}; in JupyterHub "
            "set c.Spawner.default_url = '/voila/render/review_app.ipynb'."
        )
        return
    serve_review_app(
        store,
        list_file,
        host=host,
        port=port,
        token=token,
        open_browser=open_browser,
        user_header=user_header,
    )


@review_app.command("outreach")
def review_outreach_command(
    store: StorePath,
    list_file: ListFile,
    data: Annotated[
        Path,
        typer.Option("--data", help="The data folder the list was made from (same files)."),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="The contact list to write (.csv). Personal data: owner-only."),
    ],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a contact list already at --out.")
    ] = False,
) -> None:
    """Write contact details for the children whose latest decision is `contact`, and only them."""
    from workbench.review import ReviewStore, load_key
    from workbench.review.outreach import export_outreach

    with ReviewStore(store) as review_store:
        result = export_outreach(
            review_store, list_file, data, out, key=load_key(), overwrite=overwrite
        )
    held = (
        f"; {result.held_back_unconfirmed_link} decided `contact` held back until their DWP "
        "link is confirmed (`link_confirmed`)"
        if result.held_back_unconfirmed_link
        else ""
    )
    typer.echo(
        f"List {result.list_id}: {result.exported} of {result.listed} children to contact, "
        f"written to {result.out} (owner-only), each with the decision it rests on{held}. "
        f"Record of the export: {result.sidecar}."
    )


@app.command("assure")
def assure_command(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="PATH", help="Run folders, or lists and exports of a run."),
    ],
    store: Annotated[
        Path | None,
        typer.Option("--store", help="The review store (SQLite file) the run's decisions are in."),
    ] = None,
) -> None:
    """Check a run: lists claim no decision, every contact traces to a recorded decision, the
    decision chain is intact, restricted files are owner-only, shareable files hold no
    personal data. Exits 3 when a check fails."""
    from workbench.assure import assure, format_report

    report = assure(paths, store=store)
    typer.echo(format_report(report))
    if not report.ok:
        raise typer.Exit(EXIT_CHECKS_FAILED)


# --- governance: retention, subject access, transparency ------------------------------------


@app.command("retention")
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
        typer.Option("--lists", help="Another folder to search for candidate lists (repeat)."),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="A review store: remove its list items and decisions past their period "
            "(through the store, logged).",
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
    """Delete run folders, restricted outputs, lists and outreach exports past their date."""
    from datetime import UTC, datetime

    from workbench.governance import apply_retention, load_policy, plan_retention

    day = parse_date(today, "--today") if today else datetime.now(UTC).date()
    plan = plan_retention(reports, load_policy(policy), day, list_roots=lists or [], store=store)
    for action, kind, path, _created, expires in plan.table():
        typer.echo(f"{action:6} {kind:18} {expires}  {path}")
    for note in plan.notes:
        typer.echo(note)
    if not apply:
        typer.echo(
            f"Dry run: {len(plan.due)} item(s) past their date, {len(plan.kept)} kept. "
            "Nothing deleted; run with --apply to delete."
        )
        return
    deleted = apply_retention(plan, log or Path(reports) / "retention-log.jsonl")
    counts = ", ".join(f"{n} {kind}" for kind, n in deleted.items())
    typer.echo(f"Deleted {counts} (a folder counts once, with all inside it). Logged.")


@app.command("subject-access")
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
    store: Annotated[
        Path | None, typer.Option("--store", help="The review store (SQLite file).")
    ] = None,
) -> None:
    """Everything the workbench holds about one person, for the data protection team."""
    from workbench.governance.subject_access import appendix_path, subject_access
    from workbench.review import load_key

    named = [person is not None, any((forename, surname, dob)), nino is not None]
    if sum(named) != 1:
        raise UsageError(
            "name the person in one way: --person ID, or --forename, --surname and --dob, "
            "or --nino (a parent known only from the DWP list)"
        )
    record_access("subject-access", f"data {data}, one person's record")
    dwp_records: list[str] = []
    if named[1]:
        person, dwp_records = _subject_by_name(data, forename, surname, dob)
    written = subject_access(
        person,
        data=data,
        lists=list_files or [],
        store=store,
        key=load_key(),
        out=out,
        dwp_records=dwp_records,
        nino=nino,
    )
    typer.echo(
        f"Subject access export written to {written} and {appendix_path(written)} "
        "(owner-only). Read its notes before release."
    )


def _subject_by_name(
    data: Path, forename: str | None, surname: str | None, dob: str | None
) -> tuple[str | None, list[str]]:
    """(person id, []) for the one person with these names and date of birth, or
    (None, DWP record ids) for a child known only from the DWP list."""
    from workbench.governance.subject_access import find_dwp_child, find_person

    if not (forename and surname and dob):
        raise UsageError("--forename, --surname and --dob go together")
    born = parse_date(dob, "--dob")
    found = find_person(data, forename=forename, surname=surname, date_of_birth=born)
    if len(found) == 1:
        return found[0], []
    if len(found) > 1:
        raise UsageError(
            f"{len(found)} people in {data} have that name and date of birth; expected "
            "exactly one. Use --person with the id from the people file"
        )
    records = find_dwp_child(data, forename=forename, surname=surname, date_of_birth=born)
    if not records:
        raise UsageError(
            f"no one in the people file or the DWP list of {data} has that name and date of "
            "birth (names compared ignoring case and spacing)"
        )
    return None, records


@app.command("transparency")
def transparency_command(
    on: Annotated[
        str | None, typer.Option("--on", help="Describe the rules in force on this date.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the record here (Markdown).")
    ] = None,
) -> None:
    """The algorithmic transparency record (ATRS) and DPIA helper, generated from the rules."""
    from datetime import UTC, datetime

    from workbench.governance import transparency_record

    day = parse_date(on, "--on") if on else datetime.now(UTC).date()
    record = transparency_record(day)
    if out is None:
        typer.echo(record, nl=False)
        return
    out.write_text(record, encoding="utf-8")
    typer.echo(f"Transparency record for {day} written to {out}")


def main() -> None:
    """Entry point: a WorkbenchError becomes one line on stderr and exit code 1 (bad input)
    or 2 (a command-line value that cannot work, such as a malformed date)."""
    try:
        app()
    except UsageError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    except WorkbenchError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)


__all__ = ["app", "main", "parse_date"]
