"""Assessing commands: lists, take-up tables, rules, explanations, linkage and notebook
reports (`assess`, `stats`, `rules`, `explain`, `link`, `report`)."""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbench.cli._common import (
    EXIT_BAD_INPUT,
    EXIT_CHECKS_FAILED,
    EXIT_REPORT_FAILED,
    AsOf,
    DataDir,
    Initiative,
    Linkage,
    ProfileFile,
    Strict,
    TermStart,
    parse_date,
    parse_term_dates,
    store_named,
    use_profile,
)
from workbench.cli._outputs import (
    data_folder_inputs,
    file_inputs,
    folder_inputs,
    list_inputs,
    output_file,
    output_folder,
    refuse_writing_over_inputs,
    store_inputs,
)
from workbench.dates import long_date
from workbench.errors import UsageError
from workbench.governance.access import record_access

# A council's own linkage model for the lists (`assess`, `explain`) and the figures (`stats`), as
# `link --model` reads it.
OwnModel = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="A council's own linkage model folder (Splink JSON and bands.json, written by "
        "save_settings, as `workbench link --model` reads it): its comparisons and thresholds "
        "link the DWP list and funded places instead of the package's. Probabilistic linkage "
        "only; its files' SHA-256 are recorded among the inputs.",
    ),
]


def checked_linkage(linkage: str, model: Path | None) -> Path | None:
    """`--linkage` and `--model` as assess, explain and stats take them, checked first: a
    mistake in either is one of the command line (exit 2), said before the access-log line
    is written and before any data is read. The linkage must be one of `LINKAGE_MODES`, a
    model is only used by probabilistic linkage (given with exact it would be silently
    unused), and the model's folder must be there (`model_folder`). The model's folder as
    found, or None when none is given."""
    from workbench.eligibility.assess import LINKAGE_MODES

    if linkage not in LINKAGE_MODES:
        raise UsageError(
            f"must be one of {', '.join(LINKAGE_MODES)}; got {linkage!r}", parameter="linkage"
        )
    if model is not None and linkage != "probabilistic":
        raise UsageError(
            f"{model} is only used by probabilistic linkage: it scores the pairs Splink "
            f"compares, which --linkage {linkage} never makes. Give --linkage probabilistic "
            "(the default) to link with the model, or leave --model out",
            parameter="model",
        )
    return model_folder(model)


def model_folder(model: Path | None) -> Path | None:
    """`--model` found as an input is (`workbench.paths.project_path`: the working folder,
    then the project folder), or None when not given. A folder that is not there, or a file,
    is a mistake of the command line (exit 2), said naming it before anything is written or
    read; a folder without the model's files is bad input, said by the linkage as it reads it
    (exit 1)."""
    if model is None:
        return None
    from workbench.paths import looked_for, project_path

    found = project_path(model)
    if found.is_dir():
        return found
    said = (
        f"{found}: a file, not a folder"
        if found.exists()
        else f"{looked_for(model)}: no such folder"
    )
    raise UsageError(
        f"{said}. Give the linkage model's folder, as save_settings wrote it (bands.json and one "
        "Splink JSON file per source)",
        parameter="model",
    )


if TYPE_CHECKING:
    from workbench.eligibility.assess import Assessment
    from workbench.rules.model import RuleSet
    from workbench.runs.list_warnings import ListWarnings
    from workbench.stats.outcomes import OutcomeLists


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
    linkage: Linkage = "probabilistic",
    profile: ProfileFile = None,
    strict: Strict = False,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="A review store: apply the link decisions reviewers recorded there. A DWP-list "
            "row confirmed (link_confirmed) as the council child proposed is listed as that "
            "child; a rejected match (link_rejected) is not proposed again.",
        ),
    ] = None,
    model: OwnModel = None,
) -> None:
    """List children who look eligible, with reasons and evidence, for a person to review."""
    from workbench.eligibility.assess import assess, check_list_path, unlisted_path

    model = checked_linkage(linkage, model)
    refuse_writing_over_inputs(
        [
            output_file(
                "--out",
                out,
                "the list",
                (out.with_name(out.name + ".manifest.json"), "its manifest"),
                (unlisted_path(out), "the DWP-list rows not listed"),
            )
        ],
        [
            *data_folder_inputs(data, profile),
            *file_inputs(rules, "the rule file (--rules)"),
            *store_inputs(store),
            *folder_inputs(model, "the linkage model (--model)"),
        ],
    )
    record_access(
        "assess",
        f"data {data.absolute()}, initiative {initiative}, out {out}",
        store=_store_to_read(store, linkage),
    )
    check_list_path(out)  # before any data is read
    use_profile(profile)
    term, evidence = parse_term_dates(term_start, as_of)
    found = assess(
        data,
        initiative,
        term_start=term,
        as_of=evidence,
        linkage=linkage,
        rules=rules,
        store=store,
        model=model,
    )
    replaced = _keep_a_reviewed_list(out, found.run_id, store)
    written = found.write(out)
    if replaced is not None:
        typer.echo(replaced, err=True)
    from workbench.runs.console import print_assessment  # rich tables: only once there is a list

    print_assessment(found, written)
    if found.link_decisions is not None:
        for sentence in found.link_decisions.sentences():
            typer.echo(f"note: {sentence}")
    said = assess_warnings(found, today=_today())
    for sentence in said.sentences:
        typer.echo(f"warning: {sentence}", err=True)
    if strict and said.serious:
        raise typer.Exit(EXIT_CHECKS_FAILED)


def _today() -> date:
    """Today on this machine's clock, which the evidence date is compared with."""
    return date.today()


def assess_warnings(found: Assessment, *, today: date) -> ListWarnings:
    """What `assess` warns of beside `found`'s list: its dates that are probably not what was
    meant, as `workbench report` says them (`workbench.runs.evidence_dates.date_warnings`: an
    evidence date after `today` is serious), then the list's own
    (`workbench.runs.list_warnings.list_warnings`)."""
    from workbench.runs.evidence_dates import date_warnings
    from workbench.runs.list_warnings import ListWarnings, list_warnings

    dates = {
        "initiative": found.rule_set,
        "term_start": found.term_start.isoformat(),
        "as_of": found.as_of.isoformat(),
    }
    serious, notes = date_warnings(dates, today=today, command="assess")
    listed = list_warnings(found)
    return ListWarnings(serious=(*serious, *listed.serious), notes=(*notes, *listed.notes))


def _store_to_read(store: Path | None, linkage: str) -> Path | None:
    """`--store` as assess, explain and stats read it (its link decisions), the store their
    access-log line goes to: refused before that line with exact-only linkage or when no
    store is there (never made by asking), a relative one looked for in the working folder
    only (`store_named`)."""
    if store is None:
        return None
    from workbench.eligibility.assess import refuse_exact_linkage_with_a_store

    refuse_exact_linkage_with_a_store(linkage)
    if not store.is_file():
        from workbench.review.link_decisions import no_store_at

        raise no_store_at(store_named(store))
    return store


def _keep_a_reviewed_list(out: Path, run: str, store: Path | None) -> str | None:
    """Before the list of `run` is written to `out`: keep a list of another run there when a
    review store registers it (`workbench.cli._replaced_list`); the line to say on stderr,
    or None when `out` held no list of another run."""
    from workbench.cli._replaced_list import earlier_run, keep_or_note
    from workbench.governance.access import STORE_ENV, default_store

    earlier = earlier_run(out)
    if earlier is None or earlier == run:
        return None
    known = store if store is not None else default_store()
    if store is not None:
        named = f"--store {store}"
    else:
        named = f"{known} ({STORE_ENV if os.environ.get(STORE_ENV) else 'the default store'})"
    return keep_or_note(out, earlier, run, known, named)


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
        typer.Option(
            "--threshold",
            help="Counts below this are hidden (shown as c); at least 5, default 10.",
        ),
    ] = 10,
    round_to: Annotated[
        int | None,
        typer.Option("--round-to", min=1, help="Round published counts to this multiple, e.g. 5."),
    ] = None,
    protection: Annotated[
        int | None,
        typer.Option(
            "--protection",
            min=1,
            help="The smallest range (largest minus smallest value) a reader may narrow any "
            "hidden count to from all the tables together; default: the threshold.",
        ),
    ] = None,
    hide_zeros: Annotated[
        bool,
        typer.Option(
            "--hide-zeros",
            help="Hide zero counts too, as small ones: a group with no child funded tells "
            "every family in it that theirs is not (the equality tables and those by "
            "criterion and by group always do, and every table hides a funded 0 beside a "
            "hidden eligible count).",
        ),
    ] = False,
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
            "(2026-01-01,2026-04-01); each term is assessed on evidence dated as long before "
            "its start as --as-of is before --term-start.",
        ),
    ] = None,
    linkage: Linkage = "probabilistic",
    profile: ProfileFile = None,
    outcome_list: Annotated[
        list[Path] | None,
        typer.Option(
            "--outcome-list",
            help="A list of an earlier term registered for review (repeat for a campaign of "
            "several): adds outcome_funnel, what its outreach achieved. Needs --store.",
        ),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="The review store: its link decisions are applied, as by `assess --store`, "
            "so the figures count the children the list shows; with --outcome-list, the "
            "store holding those lists' decisions.",
        ),
    ] = None,
    model: OwnModel = None,
) -> None:
    """Write take-up, funnel and equality tables for a term as CSV, after disclosure control."""
    from workbench.stats import DisclosureRules
    from workbench.stats.report import (
        MANIFEST_NAME,
        OPTIONAL_TABLES,
        TABLES,
        parse_trend_terms,
        write_stats,
    )

    model = checked_linkage(linkage, model)
    names = [f"{name}.csv" for name in [*TABLES, *OPTIONAL_TABLES]] + [MANIFEST_NAME]
    refuse_writing_over_inputs(
        [output_folder("--out", out, "the tables", names)],
        [
            *data_folder_inputs(data, profile),
            *file_inputs(ward_lookup, "the ward lookup (--ward-lookup)"),
            *store_inputs(store),
            *folder_inputs(model, "the linkage model (--model)"),
            *(
                entry
                for path in outcome_list or []
                for entry in list_inputs(path, "--outcome-list")
            ),
        ],
    )
    rules = DisclosureRules.for_publication(threshold, round_to, protection, hide_zeros)
    for warning in rules.warnings():
        typer.echo(f"warning: {warning}", err=True)
    outcomes = _outcome_lists(outcome_list, store)
    record_access(
        "stats",
        f"data {data.absolute()}, initiative {initiative}, out {out}",
        store=_store_to_read(store, linkage),
    )
    use_profile(profile)
    term, evidence = parse_term_dates(term_start, as_of)
    result = write_stats(
        data,
        initiative=initiative,
        term_start=term,
        as_of=evidence,
        out=out,
        rules=rules,
        ward_lookup=ward_lookup,
        terms=parse_trend_terms(trend_terms) or None,
        linkage=linkage,
        outcomes=outcomes,
        link_decisions=store,
        model=model,
    )
    for path in result.published.values():
        typer.echo(f"published {path}")
    for name, reason in result.withheld.items():
        typer.echo(f"withheld  {name}: {reason}")
    for caveat in result.caveats:
        typer.echo(f"note: {caveat}")
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if result.ward_lookup is not None:
        unmatched = result.ward_lookup["people_postcodes"]["unmatched"]
        if unmatched:
            typer.echo(f"note: {unmatched} postcode(s) in the data matched no ward (ward unknown)")
    typer.echo(
        f"{len(result.published)} table(s) published, {len(result.withheld)} withheld; "
        f"see {result.manifest}"
    )


def _outcome_lists(lists: list[Path] | None, store: Path | None) -> OutcomeLists | None:
    """The campaign whose outcomes `stats` counts, from --outcome-list and --store."""
    if not lists:
        return None  # a store alone: its link decisions only
    if store is None:
        raise UsageError("--outcome-list needs --store: the review store holding its decisions")
    if not store.is_file():
        raise UsageError(f"--store {store_named(store)}: no review store there")
    from workbench.review import load_key
    from workbench.stats.outcomes import OutcomeLists

    return OutcomeLists(store=store, lists=tuple(lists), key=load_key())


def rules_command(
    initiative: Annotated[
        str | None, typer.Option("--initiative", help="One initiative (default: all).")
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="The first day of the term the rules are for (default: the first day of the "
            "term today is in, by each initiative's term starts).",
        ),
    ] = None,
) -> None:
    """Print the rules in force for a term in plain English, with their sources and funding."""
    from workbench.rules import available_initiatives, load_rule_set
    from workbench.rules.describe import describe_rule_set

    names = [initiative] if initiative else available_initiatives()
    texts = []
    for name in names:
        rule_set = load_rule_set(name)
        day = parse_date(on, "--on") if on else _term_today_is_in(rule_set, date.today())
        began = _term_today_is_in(rule_set, day)
        if began != day:  # a tester's 15 October was printed as "the term starting" it
            typer.echo(
                f"warning: {long_date(day)} is not a term start of the {name} rules: shown as "
                f"in force on that day. The term it falls in started on {long_date(began)} "
                f"(--on {began}), and a list for that term applies the rules in force then",
                err=True,
            )
        texts.append(describe_rule_set(rule_set, day))
    typer.echo("\n\n".join(texts))


def _term_today_is_in(rule_set: RuleSet, today: date) -> date:
    """The last of the rule set's term starts on or before ``today``: "the rules for the
    term starting 7 December" named a day no term starts on."""
    starts = rule_set.population.window_on(today).starts.month_days
    return max(
        date(year, month, first)
        for year in (today.year - 1, today.year)
        for month, first in starts
        if date(year, month, first) <= today
    )


def explain_command(
    initiative: Initiative,
    data: DataDir,
    person: Annotated[
        str,
        typer.Option(
            "--person",
            help="The person_id to explain (from people), or a DWP-list row's record_id: "
            "what became of that row.",
        ),
    ],
    term_start: TermStart,
    as_of: AsOf,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="A rule file to use instead of the package's own."),
    ] = None,
    linkage: Linkage = "probabilistic",
    profile: ProfileFile = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="A review store: apply the link decisions recorded there, as `assess --store` "
            "does, to explain the list made with them.",
        ),
    ] = None,
    model: OwnModel = None,
) -> None:
    """Say why a person is or is not listed, criterion by criterion, in plain English."""
    from workbench.eligibility.assess import assess

    model = checked_linkage(linkage, model)
    record_access(
        "explain",
        f"data {data.absolute()}, initiative {initiative}, one person's record",
        store=_store_to_read(store, linkage),
    )
    use_profile(profile)
    term, evidence = parse_term_dates(term_start, as_of)
    decisions = None
    if store is not None:  # read here, so that the store's log says explain read them
        from workbench.review.keys import load_key
        from workbench.review.link_decisions import read_link_decisions

        decisions = read_link_decisions(store, load_key(), command="explain")
    found = assess(
        data,
        initiative,
        term_start=term,
        as_of=evidence,
        linkage=linkage,
        rules=rules,
        store=decisions,
        model=model,
    )
    typer.echo(_explained(found, person))
    from workbench.data.quarantine import mostly_quarantined
    from workbench.runs.emptiness import no_places_for_the_term

    no_places = no_places_for_the_term(found)
    for sentence in [*mostly_quarantined(found.data), *([no_places] if no_places else [])]:
        typer.echo(f"warning: {sentence}", err=True)


def _explained(found: Assessment, person: str) -> str:
    """`explain`'s answer: why a person is or is not listed; for a DWP-list row's id, what
    became of the row, in one line (README: an officer holding DWP's letter asks by it)."""
    try:
        return found.explain(person).to_text()
    except UsageError as error:
        dwp_list = found.data.tables.get("dwp_list")
        if dwp_list is None or person not in dwp_list.get_column("record_id").to_list():
            raise
        return str(error)  # the row's fate, which `Assessment.explain` gives for a row's id


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
            help="A ground truth (ground_truth.csv from `workbench synth`): measure the links. "
            "Keeps a pair for each row and child for the calibration: 5.4 GiB at 2M households.",
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
    profile: ProfileFile = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="A review store: the access-log line goes there, as `assess --store` logs "
            "it (not in WORKBENCH_STORE or the default store); it must exist. The links are "
            "the linkage's own, before review: the link decisions recorded there are applied "
            "to a list (`assess --store`), not to these.",
        ),
    ] = None,
) -> None:
    """Link DWP-list and funded-place rows to the council's children; with --truth, measure.

    Prints rows read, quarantined and in each band per source; the quarantined rows (in no
    link) are written beside the links as FILE-STEM.quarantine.csv, owner-only, and the run's
    manifest as FILE.manifest.json (inputs' SHA-256, seed, model and thresholds, code and
    environment). A list whose every row is quarantined is refused (exit 1); a DWP list or
    headcount with its header only is warned of, as `assess` warns of it."""
    from workbench.linkage.folder import link_folder, quarantine_path
    from workbench.runs.link_manifest import manifest_path

    model = model_folder(model)
    outputs = [
        output_file(
            "--out",
            out,
            "the links",
            (quarantine_path(out), "the quarantine"),
            (manifest_path(out), "its manifest"),
        )
    ]
    if quality_out is not None:
        outputs.append(
            output_folder("--quality-out", quality_out, "the quality tables", ["linkage_*.csv"])
        )
    refuse_writing_over_inputs(
        outputs,
        [
            *data_folder_inputs(data, profile),
            *file_inputs(truth, "the ground truth (--truth)"),
            *folder_inputs(model, "the linkage model (--model)"),
            *store_inputs(store),
        ],
    )
    record_access("link", f"data {data.absolute()}, out {out}", store=_store_to_log_in(store))
    use_profile(profile)
    # It writes the manifest too (the inputs' and outputs' SHA-256, seed, model, code).
    run = link_folder(data, out, truth=truth, quality_out=quality_out, model=model, seed=seed)
    typer.echo("\n".join(run.summary()))
    if run.evaluation is not None:
        typer.echo("\n".join(run.evaluation.summary()))
    if run.quality_files:
        typer.echo(f"quality tables written to {run.quality_files[0].parent}")
    manifest_line = run.manifest_line()
    if manifest_line is not None:
        typer.echo(manifest_line)
    from workbench.runs.emptiness import header_only

    for report in run.reports.values():
        sentence = header_only(report.table, report.file.name) if report.read == 0 else None
        if sentence is not None:
            typer.echo(f"warning: {sentence}", err=True)


def _store_to_log_in(store: Path | None) -> Path | None:
    """`link --store`: the store its access-log line goes to, refused before that line when
    no store is there (never made by asking, as for `assess --store`), a relative one looked
    for in the working folder only (`store_named`). Its link decisions are not read: the
    links are the linkage's own, the pairs reviewers decide on."""
    if store is None or store.is_file():
        return store
    raise UsageError(
        f"no review store at {store_named(store)}: --store names the review store `link` logs "
        "its access in (a store is made by the first `workbench review export` or `review "
        "serve`); give the council's store, or leave --store out to log in WORKBENCH_STORE "
        "or the default store",
        parameter="store",
    )


def _report_stores(
    notebook: str, given: dict[str, str], kernel: str
) -> tuple[tuple[Path, ...], bytes | None]:
    """The review stores `report`'s access-log line goes in (`access_stores`; none: the
    default store) and the pseudonym key to seal it under: the notebook's `key_file` when it
    names one (03 keys its store, or the default store, with it), made now when it is not
    there yet as 03 would make it, else None (`load_key`'s own). Asked only once the run's
    checks have passed (`run_report`'s `before_writing`): a store there under another key
    than the run's was refused among them (`check_store_keys`, exit 2), and a run refused
    makes no key and no store."""
    from workbench.runs.parameters import access_stores, check_store_keys

    stores = access_stores(notebook, given, kernel)
    key_file = check_store_keys(notebook, given, kernel)
    if key_file is None:
        return stores, None
    from workbench.review.keys import load_key

    return stores, load_key(key_file)


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
    profile: ProfileFile = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 3 when the notebook's list has a warning assess --strict fails on "
            "(an empty list while the data has children in the age window, files mostly "
            "quarantined, a term later than the rule file was checked for); the report is "
            "written all the same.",
        ),
    ] = False,
) -> None:
    """Run a notebook with papermill into a report folder under reports/.

    The folder, reports/<date>-<notebook>[-<initiative>-<term>]-<run id>/, holds the executed
    notebook, report.html (code hidden, opens offline), manifest.json, and its shareable/ and
    restricted/ outputs. A rerun of the same inputs replaces the earlier run, unless a file
    was added to its folder or edited since: then it is kept whole as
    <folder>-replaced-<UTC time>/, and a line says so. A notebook that makes a list (02) warns
    on stderr as assess does. Exit 4 when the notebook fails, 1 when it stopped on its input
    (kept as <folder>-failed/)."""
    from workbench.runs.parameters import SECRET_PARAMETERS, dates_to_give, parse_parameters
    from workbench.runs.report import ReportFailed, run_report

    given = parse_parameters(parameter)
    # Every check before the access-log line: a run refused (exit 2) writes nothing, no line,
    # no key file and no review store (03's). `run_report` checks the notebook, the kernel and
    # the parameters, then calls `log_access` before it writes anything.
    missing = dates_to_give(notebook, given, kernel)
    if missing:
        raise UsageError(
            f"{notebook}: give {' and '.join(f'-p {name}=YYYY-MM-DD' for name in missing)}. "
            "The notebook's own dates are examples for an analyst's Run All; a report on "
            "them would be about another term or stale evidence. A scheduled run can give "
            "-p term_start=next -p as_of=today (the manifest records the dates they became)."
        )
    use_profile(profile)  # the notebook's kernel inherits it (WORKBENCH_PROFILE)
    # What was asked for (initiative, term, ...): the run id is known only once it has run.
    shown = ", ".join(f"{k}={v}" for k, v in given.items() if k not in SECRET_PARAMETERS)
    detail = f"notebook {notebook}, data {data}" + (f", {shown}" if shown else "")

    def log_access() -> None:
        stores, key = _report_stores(notebook, given, kernel)
        for store in stores or (None,):  # in each store the notebook is given, else the default
            record_access("report", detail, store=store, key=key)

    # A service stopped (systemd, a scheduler's timeout) gets SIGTERM: stop as Ctrl-C does,
    # so the run is kept as <folder>-failed/ rather than left half-written and hidden.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        run = run_report(
            notebook,
            data=data,
            parameters=given,
            reports=reports,
            kernel=kernel,
            before_writing=log_access,
        )
    except ReportFailed as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT if error.bad_input else EXIT_REPORT_FAILED) from None
    typer.echo(f"Report: {run.html}")
    typer.echo(f"Manifest: {run.manifest}")
    if run.kept_note:  # an earlier run of these inputs held someone's files: kept, not deleted
        typer.echo(run.kept_note)
    for sentence in run.warnings.sentences if run.warnings else ():
        typer.echo(f"warning: {sentence}", err=True)
    if strict and run.warnings and run.warnings.serious:
        raise typer.Exit(EXIT_CHECKS_FAILED)
