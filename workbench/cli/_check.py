"""Eligibility checks through DfE's services: the `check` sub-app (`export`, `import`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli._common import ProfileFile, use_profile
from workbench.cli._outputs import (
    Output,
    data_folder_inputs,
    list_inputs,
    refuse_writing_over_inputs,
    store_inputs,
)
from workbench.cli._review import DataFolder
from workbench.errors import WorkbenchError
from workbench.governance.access import current_user, record_access

check_app = typer.Typer(
    name="check",
    help="Eligibility checks through DfE's services: the bulk-check CSV out, the results in.",
    no_args_is_help=True,
)

StorePath = Annotated[
    Path,
    typer.Option(
        "--store",
        help="The review store (SQLite file) holding the decisions; must exist (`review "
        "export` creates it).",
    ),
]
_SHOWN_NOT_CHECKABLE = 20


def check_export_command(
    store: StorePath,
    list_file: Annotated[
        Path,
        typer.Option("--list", help="A list written by `workbench assess` (with its manifest)."),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="NAME.csv: writes NAME-part1.csv, ... (DfE's template), NAME.check.json and "
            "NAME.not_checkable.csv, owner-only.",
        ),
    ],
    data: DataFolder = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="childcare, fsm or fsm-enhanced; default: the list's service's (childcare "
            "for two-year-olds and EYPP, fsm for free school meals).",
        ),
    ] = None,
    decision: Annotated[
        list[str] | None,
        typer.Option(
            "--decision",
            help="Check the children whose latest decision is this: contact or check (repeat "
            "it); default both.",
        ),
    ] = None,
    rows_per_file: Annotated[
        int | None,
        typer.Option(
            "--rows-per-file",
            help="At most this many rows a file (default and maximum: DfE's limit, 250 for "
            "childcare, 1000 for free school meals).",
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the files of an earlier export.")
    ] = False,
    try_again: Annotated[
        bool,
        typer.Option(
            "--try-again",
            help="Only the children whose latest DfE result is a technical error ('Try "
            "again', 'Error'): a new export of just those rows, to send again.",
        ),
    ] = False,
    recheck: Annotated[
        bool,
        typer.Option(
            "--recheck",
            help="Send again the children DfE has already answered (their latest check "
            "result, from any list of the offer, is not a technical error), e.g. after a "
            "parent's circumstances changed, and those sent in an earlier export whose answer "
            "is not imported yet. By default both are left out, and counted: DfE's service "
            "limits uploads.",
        ),
    ] = False,
    profile: ProfileFile = None,
) -> None:
    """Write DfE's bulk-check CSV for the children decided `contact` or `check`."""
    from workbench.review.checks import export_paths

    sidecar, not_checkable = export_paths(out)
    refuse_writing_over_inputs(
        [
            Output(
                "--out",
                out,
                "the check files",
                (
                    (out.with_name(f"{out.stem}-part*{out.suffix}"), "DfE's check files"),
                    (sidecar, "the record of the export"),
                    (not_checkable, "the children who cannot be checked"),
                ),
            )
        ],
        [*store_inputs(store), *list_inputs(list_file), *data_folder_inputs(data, profile)],
    )
    use_profile(profile)
    from workbench.review import ReviewStore, load_key
    from workbench.review.checks import DEFAULT_CHOSEN, export_checks
    from workbench.review.store import existing_store

    found = existing_store(store)  # before the access-log line, which goes in it
    record_access(
        "check export",
        f"data {data.absolute() if data else 'named by the list manifest'}, "
        f"list {list_file.name}, out {out.name}"
        + (", try again" if try_again else "")
        + (", recheck" if recheck else ""),
        store=found,
    )
    with ReviewStore(found) as review_store:
        result = export_checks(
            review_store,
            list_file,
            data,
            out,
            key=load_key(),
            template=template,
            chosen=decision or DEFAULT_CHOSEN,
            rows_per_file=rows_per_file,
            overwrite=overwrite,
            user=current_user(),
            try_again=try_again,
            recheck=recheck,
        )
    files = ", ".join(path.name for path in result.files) or (
        "no file: none of them can be checked (the reasons are below)"
    )
    typer.echo(
        f"List {result.list_id}: {result.chosen} child(ren) chosen; {result.rows} row(s) for "
        f"{result.children} child(ren) in {files} (DfE's {result.template} template, "
        f"owner-only). Check export {result.export_id}"
        + (" (already recorded)" if result.already_recorded else "")
        + (
            f", sending again the technical errors of {', '.join(result.try_again_of)}"
            if result.try_again_of
            else ""
        )
        + (
            f", sending again {result.rechecked} child(ren) DfE had already answered (--recheck;"
            f" answers of {', '.join(result.recheck_of)})"
            if result.recheck_of
            else ""
        )
        + f"; its record: {result.sidecar}."
    )
    answered = result.answered_by_outcome
    if answered:
        counts = ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in answered.items())
        typer.echo(
            f"{sum(answered.values())} child(ren) left out: DfE has already answered their check "
            f"({counts}: their latest check result, from a check export of this list or "
            "another of the offer, shown beside each child in review), so they are not sent "
            f"again (DfE's service limits uploads); counted in {result.sidecar.name}. To send "
            "them again (e.g. after a parent's circumstances changed), pass --recheck."
        )
    if result.awaiting:
        typer.echo(
            f"{result.awaiting} child(ren) left out: sent in check export(s) "
            f"{', '.join(result.awaiting_exports)}, whose answers from DfE have not been "
            "imported yet (`workbench check import`), so they are not sent twice; counted in "
            f"{result.sidecar.name}. If those files were never uploaded, pass --recheck."
        )
    refused = result.not_checkable
    if refused.height:
        typer.echo(
            f"{refused.height} child(ren) cannot be checked, listed with the reason in "
            f"{result.not_checkable_file}:"
        )
        for row in refused.head(_SHOWN_NOT_CHECKABLE).iter_rows(named=True):
            who = row["person_id"] or f"DWP row {row['dwp_record_id']}"
            typer.echo(f"  - {who}: {row['reason']}")
        if refused.height > _SHOWN_NOT_CHECKABLE:
            typer.echo(f"  ... and {refused.height - _SHOWN_NOT_CHECKABLE} more (see the file)")


def check_import_command(
    results: Annotated[
        Path, typer.Argument(metavar="RESULTS.csv", help="The results file DfE's service gave.")
    ],
    store: StorePath,
    export: Annotated[
        str | None,
        typer.Option(
            "--export",
            help="The check export the results answer (default: the one its rows were sent in).",
        ),
    ] = None,
    remove_file: Annotated[
        bool,
        typer.Option(
            "--remove-file",
            help="Delete RESULTS.csv once its results are in the store (it holds parents' "
            "names, dates of birth and National Insurance numbers; the store keeps its "
            "SHA-256 and the outcomes).",
        ),
    ] = False,
) -> None:
    """Read DfE's results into the store as check results: evidence, never a decision."""
    from workbench.review import ReviewStore, load_key
    from workbench.review.check_results import import_check_results, readable_by_others
    from workbench.review.store import existing_store

    found = existing_store(store)  # before the access-log line, which goes in it
    record_access("check import", f"results {results.name}", store=found)
    if (open_to_others := readable_by_others(results)) is not None:  # read all the same
        typer.echo(f"warning: {open_to_others}.", err=True)
    with ReviewStore(found) as review_store:
        result = import_check_results(
            review_store, results, key=load_key(), export_id=export, user=current_user()
        )
    counts = ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in result.by_outcome)
    for warning in result.warnings:  # recorded all the same: what the officer should check
        typer.echo(f"warning: {warning}.", err=True)
    waiting = result.exported_rows - result.answered_rows
    if result.already_imported_at is not None:
        typer.echo(
            f"{results.name} was already imported on {result.already_imported_at[:10]} by "
            f"{result.already_imported_by} into check export {result.export_id} (list "
            f"{result.list_id}; import {result.import_id}, the same SHA-256): nothing recorded. "
            f"{waiting} exported row(s) still without a result."
        )
    else:
        typer.echo(
            f"Check export {result.export_id} (list {result.list_id}): {result.rows} result(s) "
            f"read ({counts}), {result.recorded} recorded, {result.rows - result.recorded} "
            f"already recorded; {waiting} exported row(s) still without a result. No decision "
            "was changed: the officer decides what follows."
        )
    if remove_file:
        try:
            results.unlink()
        except OSError as error:
            raise WorkbenchError(
                f"{results}: its results are in the store, but the file could not be removed "
                f"({error.strerror}): delete it by hand"
            ) from error
        record_access(
            "check results file removed", f"results {results.name} (imported)", store=found
        )
        typer.echo(f"{results} removed: its results are in the store.")
    else:
        typer.echo(
            f"{results} still holds parents' names, dates of birth and National Insurance "
            "numbers: delete it now its results are in the store (--remove-file does), or keep "
            "it where your council keeps DfE's results, for its retention period."
        )
