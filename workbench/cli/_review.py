"""Review commands: the `review` sub-app (`export`, `import`, `serve`, `outreach`) and
`assure`, the checks an auditor runs over a run and its decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli._common import EXIT_CHECKS_FAILED, ProfileFile, use_profile
from workbench.cli._outputs import (
    data_folder_inputs,
    list_inputs,
    output_file,
    output_folder,
    refuse_writing_over_inputs,
    store_inputs,
)
from workbench.dates import long_time

review_app = typer.Typer(
    name="review",
    help="Review lists: in Excel (export/import) or in a web page (serve); outreach after review.",
    no_args_is_help=True,
)

ListFile = Annotated[
    Path,
    typer.Option(
        "--list",
        help="A list written by `workbench assess` (.csv or .parquet, with its manifest).",
    ),
]
DataFolder = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="The data folder the list was made from, for who each child is (default: the "
        "folder its manifest names; its files must be unchanged).",
    ),
]
StorePath = Annotated[
    Path,
    typer.Option(
        "--store", help="The review store (SQLite file); created owner-only when missing."
    ),
]
ExistingStore = Annotated[
    Path,
    typer.Option(
        "--store",
        help="The review store (SQLite file) the list was registered in; must exist "
        "(`review export` creates it).",
    ),
]


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
    data: DataFolder = None,
    profile: ProfileFile = None,
) -> None:
    """Write a review workbook: one row per child (who they are, why listed), a drop-down for
    the decision."""
    refuse_writing_over_inputs(
        [output_file("--out", out, "the workbook")],
        [*store_inputs(store), *list_inputs(list_file), *data_folder_inputs(data, profile)],
    )
    use_profile(profile)
    from workbench.review import ReviewStore, load_key
    from workbench.review.excel import decided_elsewhere, export_list_file, links_decided_text

    with ReviewStore(store) as review_store:
        list_id, written = export_list_file(
            review_store, list_file, out, key=load_key(), overwrite=overwrite, data=data
        )
        progress = review_store.progress(list_id)
        elsewhere = decided_elsewhere(review_store, list_id)
    decided, links = progress["decided"], links_decided_text(progress["by_decision"])
    so_far = (
        f"{decided} of the {decided + progress['undecided']} children already have a decision "
        "on this list (shown in its earlier_decisions column)"
        if decided
        else f"{'No outcome' if links else 'Nothing has been'} decided on this list; "
        f"{elsewhere} of its children have a decision standing from another list of the offer "
        "(shown in its earlier_decisions column)"
        if elsewhere
        else "No child has a decision about what happens next"
        if links
        else "Nothing has been decided"
    )
    if links:  # decisions too, though a child with no other still needs one
        so_far += f"; {links} on this list"
    typer.echo(
        f"Review workbook for list {list_id} written to {written} (owner-only). {so_far}: "
        "import it once filled in with `workbench review import`."
    )


def review_import_command(
    workbook: Annotated[Path, typer.Argument(metavar="FILE", help="A review workbook, filled in.")],
    store: ExistingStore,
    reviewer: Annotated[
        str,
        typer.Option(
            "--reviewer",
            help="The name of the person who made the decisions, as colleagues know it "
            "(e.g. 'A. Officer'; not a role word such as 'Officer' or a placeholder such "
            "as 'n/a').",
        ),
    ],
) -> None:
    """Check every row of a filled-in review workbook, then record its decisions, all or none."""
    from workbench.review import ReviewStore, load_key
    from workbench.review.excel_import import (
        import_review_workbook,
        missing_rows_text,
        readable_by_others,
    )
    from workbench.review.store import existing_store

    found = existing_store(store)
    if (open_to_others := readable_by_others(workbook)) is not None:  # read all the same
        typer.echo(f"warning: {open_to_others}.", err=True)
    with ReviewStore(found) as review_store:
        result = import_review_workbook(review_store, workbook, reviewer=reviewer, key=load_key())
        seq, head = review_store.head()
        log = review_store.head_log
    decided_before = (
        f", {result.already_decided} row(s) without a decision about a child already decided "
        "on this list (that decision stands)"
        if result.already_decided
        else ""
    )
    typer.echo(
        f"List {result.list_id}: {result.recorded} decision(s) recorded for {reviewer}, "
        f"{result.already_recorded} already recorded, {result.left_undecided} row(s) without a "
        f"decision left undecided{decided_before}."
    )
    for read in result.read_as:  # not as the drop-down writes it: said, so it can be checked
        typer.echo(f"Column 'decision': {read}.")
    if result.not_in_workbook:
        typer.echo(missing_rows_text(result))
    lines = log.read_text("ascii").splitlines() if log.is_file() else []
    logged = bool(lines) and lines[-1].split("\t")[:2] == [str(seq), head]
    typer.echo(
        f"Decision chain head: seq {seq}, {head[:16]}"
        + (f" (logged in {log.name})." if logged or seq == 0 else f" (not in {log.name}).")
    )


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
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Listen on a --host other than localhost: only when a proxy in front "
            "terminates TLS (the app itself speaks plain HTTP).",
        ),
    ] = False,
    data: DataFolder = None,
    profile: ProfileFile = None,
) -> None:
    """Serve the review panel as a web page for officers (Voilà; token required; no code shown)."""
    from workbench.review import app

    if write_app is not None:
        # What the app folder holds (`workbench.review.app.prepare_review_app`).
        written = [app.APP_NOTEBOOK, app.APP_CONFIG, app.VOILA_CONFIG, app.JUPYTERHUB_LINES]
        refuse_writing_over_inputs(
            [
                output_folder(
                    "--write-app", write_app, "the app", [*written, f"{app.SERVER_CONFIG_FOLDER}/*"]
                )
            ],
            [*store_inputs(store), *list_inputs(list_file), *data_folder_inputs(data, profile)],
        )
    use_profile(profile)
    from workbench.review.app import JUPYTERHUB_LINES, prepare_review_app, serve_review_app

    if write_app is not None:
        files = prepare_review_app(
            store, list_file, user_header=user_header, folder=write_app, data=data
        )
        lines = files.folder / JUPYTERHUB_LINES
        typer.echo(
            f"Review app for list {files.list_id} written to {files.notebook}. To serve it "
            f"from JupyterHub, add these lines (also in {lines}) to jupyterhub_config.py:\n"
            + files.jupyterhub_lines()
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
        allow_remote=allow_remote,
        data=data,
    )


def review_outreach_command(
    store: ExistingStore,
    list_file: ListFile,
    out: Annotated[
        Path,
        typer.Option("--out", help="The contact list to write (.csv). Personal data: owner-only."),
    ],
    data: DataFolder = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace a contact list already at --out (the families of the export that "
            "wrote it do not count as sent).",
        ),
    ] = False,
    again: Annotated[
        bool,
        typer.Option(
            "--again",
            help="Send again the families an earlier export of the offer already sent (a "
            "reminder, a family that moved); by default they are held back.",
        ),
    ] = False,
    again_for: Annotated[
        list[str] | None,
        typer.Option(
            "--again-for",
            metavar="ID",
            help="Send again this family an earlier export of the offer already sent: the "
            "child's person_id or dwp_record_id as the list gives it (repeat for more).",
        ),
    ] = None,
    profile: ProfileFile = None,
) -> None:
    """Write contact details for the children whose latest decision is `contact`, and only them.

    A family an earlier export of the offer already sent is held back (--again sends them all
    again, --again-for ID the one named; a row sent again says so in its `caution`); a DWP-list
    row confirmed as a child with a row of their own is sent once. With no family to send (all
    sent before, or none decided `contact`), nothing is written or recorded: exit 1, saying
    why."""
    from workbench.review.outreach_files import sidecar_path

    refuse_writing_over_inputs(
        [output_file("--out", out, "the contact list", (sidecar_path(out), "its record"))],
        [*store_inputs(store), *list_inputs(list_file), *data_folder_inputs(data, profile)],
    )
    use_profile(profile)
    from workbench.review import ReviewStore, load_key
    from workbench.review.outreach import export_outreach
    from workbench.review.store import existing_store

    with ReviewStore(existing_store(store)) as review_store:
        result = export_outreach(
            review_store,
            list_file,
            data,
            out,
            key=load_key(),
            overwrite=overwrite,
            again=again,
            again_for=again_for or (),
        )
    if result.finished_export is not None:
        typer.echo(
            f"Export {result.finished_export} to {result.out}, interrupted on "
            f"{long_time(result.interrupted_on)} before its file was written, is now written: "
            f"it holds {result.exported} families (list {result.list_id}), as the export made "
            "them then, owner-only; read its `caution` column before contacting. Record of the "
            f"export: {result.sidecar}."
        )
        return
    for partial in result.removed_partials:
        typer.echo(
            f"Removed {partial}: a partial file left by an export to {result.out.name} that "
            "stopped before the store recorded it (nothing of it was recorded or sent)."
        )
    held = (
        f"; {result.held_back_unconfirmed_link} decided `contact` held back until their DWP "
        "link is confirmed (`link_confirmed`)"
        if result.held_back_unconfirmed_link
        else ""
    )
    if result.held_back_later_decision:
        held += (
            f"; {result.held_back_later_decision} decided `contact` here held back: decided "
            f"again since on list(s) {', '.join(result.superseded_by)} of this initiative, "
            "and the later decision stands (export from that list if it says `contact`)"
        )
    if result.held_back_already_sent:
        held += (
            f"; {result.held_back_already_sent} held back: already sent by an earlier export "
            f"of the offer (the last on {long_time(result.already_sent_on)}); --again sends "
            "them again, --again-for ID the family named"
        )
    if result.held_back_moved:
        rows = ", ".join(f"{who} ({what})" for who, what in result.held_back_moved)
        moved = len(result.held_back_moved)
        held += (
            f"; {moved} of those held back as already sent {'has' if moved == 1 else 'have'} "
            f"another address now than the one the earlier export wrote: {rows} (--again-for "
            "ID sends them again)"
        )
    if result.held_back_not_compared:
        held += (
            f"; {result.held_back_not_compared} held back as already sent could not be "
            "compared with the address they were sent to (that export's file is gone)"
        )
    if result.again_for_not_held:
        held += (
            f"; --again-for {', '.join(result.again_for_not_held)}: not held back as already "
            "sent (never sent, or not to be contacted), so it changed nothing for them"
        )
    if result.held_back_same_child:
        held += (
            f"; {result.held_back_same_child} DWP-list row(s) held back: confirmed as a child "
            "whose own row on the list is sent (one letter per child)"
        )
    cautions = []
    if result.caution_places_not_known:
        cautions.append(
            f"{result.caution_places_not_known}: the providers' headcount held no place for the "
            "term when the list was made, so a child shown as not funded may have a place"
        )
    if result.caution_same_address:
        cautions.append(
            f"{result.caution_same_address} sharing an address with another row (brothers and "
            "sisters: one letter may do)"
        )
    if result.caution_already_funded:
        cautions.append(
            f"{result.caution_already_funded} the list shows as already funded for the term"
        )
    if result.caution_funded_place:
        cautions.append(
            f"{result.caution_funded_place} to check with the provider first (a funded place "
            "for the term may be the child's: its record link awaits review)"
        )
    if result.caution_dfe_check_since:
        cautions.append(
            f"{result.caution_dfe_check_since} whose DfE check, read after the `contact` "
            "decision, did not answer eligible (read it before contacting the family)"
        )
    if result.caution_confirmed_record_differs:
        cautions.append(
            f"{result.caution_confirmed_record_differs} confirmed as a council record of the "
            "child with another date of birth, address or postcode (check which is current)"
        )
    if result.caution_sent_before:
        cautions.append(f"{result.caution_sent_before} sent before, sent again on purpose")
    caution = (
        f"; read the `caution` column before contacting: {'; '.join(cautions)}" if cautions else ""
    )
    typer.echo(
        f"List {result.list_id}: {result.exported} of {result.listed} children to contact, "
        f"written to {result.out} (owner-only), each with the decision it rests on{caution}"
        f"{held}. Record of the export: {result.sidecar}."
    )


def assure_command(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="PATH", help="Run folders, or lists and exports of a run."),
    ],
    store: Annotated[
        Path | None,
        typer.Option("--store", help="The review store (SQLite file) the run's decisions are in."),
    ] = None,
    review_thresholds: Annotated[
        Path | None,
        typer.Option(
            "--review-thresholds",
            help="When the review-quality checks warn (YAML; default: the package's "
            "workbench/governance/review_quality.yaml).",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="A warning (review quality, a list made for a term later than its rules were "
            "checked for) fails its check (exit 3).",
        ),
    ] = False,
) -> None:
    """Check a run's lists, contacts, decision chain and files; exit 3 when a check fails.

    Lists claim no decision, every contact traces to a recorded decision, the decision chain is
    intact, restricted files are owner-only, shareable files hold no personal data, a report
    run's files are as its manifest records them (none edited, added or missing); with
    --store, how decisions were made (pace, runs of one decision, contacts to funded children,
    decisions without a view), which warns."""
    from workbench.governance.review_quality import load_review_thresholds
    from workbench.runs.assure import assure, format_report

    thresholds = load_review_thresholds(review_thresholds) if review_thresholds else None
    report = assure(paths, store=store, review_thresholds=thresholds, strict=strict)
    typer.echo(format_report(report))
    if not report.ok:
        raise typer.Exit(EXIT_CHECKS_FAILED)
