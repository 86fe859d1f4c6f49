"""The manifest `workbench link` writes beside its links, as `assess` writes one beside a list.

`FILE.manifest.json` (owner-only) records what makes the links reproducible and traceable: the
SHA-256 of every file read (the data folder's tables, the profile read through, the linkage
model's files as ``model:<file>`` and a ground truth as ``truth:<file>``), the parameters that
decide the links (the seed, the model: `built-in`, its folder, or `given in Python` for a
`LinkageModel` made in code, whose settings' SHA-256 is then the input ``model:settings``; its
`(linked, clerical_review)` thresholds and whether u and m are estimated on the run's data),
the rows read, accepted and quarantined per file, the rows in each band per source, the code
version, git commit and environment, and the SHA-256 of each file written (`outputs`), each
named as assess names its outputs, by where it is from the links' folder (the links and the
quarantine by name, a quality table by its path from there: `quality/linkage_bands.csv`), so
the same inputs linked into another folder give the same manifest. Its
`run_id` is `workbench.provenance.run_id` of the inputs, parameters and code, so the same
inputs and seed give the same id.

Nothing in it depends on the clock or the machine's state beyond the environment it names: as
for `assess`, a rerun of the same inputs writes a byte-identical manifest (and links).
`workbench.linkage.link_folder` writes it, so the command and the Python function write the
same one.

Example
-------
>>> manifest_path(Path("out/links.csv")).name
'links.csv.manifest.json'
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.private_files import write_private
from workbench.provenance import file_sha256, input_hashes, run_id

if TYPE_CHECKING:
    from workbench.linkage.folder import LinkRun
    from workbench.linkage.model import LinkageModel

__all__ = [
    "IN_MEMORY_MODEL",
    "IN_MEMORY_MODEL_INPUT",
    "LINK_RUN",
    "link_manifest",
    "manifest_path",
    "relative_to_links",
    "settings_sha256",
    "write_link_manifest",
]

LINK_RUN = "link"
"""What a link run's id is made with in place of a rule set (`workbench.provenance.run_id`)."""
IN_MEMORY_MODEL = "given in Python"
"""The manifest's `model` for a `LinkageModel` made in code rather than read from a folder."""
IN_MEMORY_MODEL_INPUT = "model:settings"


def settings_sha256(model: LinkageModel) -> str:
    """The SHA-256 of a linkage model's settings (thresholds, each source's Splink settings,
    dialect, estimation), as sorted JSON: the same settings give the same digest."""
    text = json.dumps(dataclasses.asdict(model), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_path(out: Path) -> Path:
    """Where the manifest of the links written to `out` goes: `FILE.manifest.json`."""
    return out.with_name(out.name + ".manifest.json")


def link_manifest(
    run: LinkRun,
    data: Path,
    *,
    seed: int,
    model: LinkageModel | None = None,
    model_folder: Path | None = None,
    truth: Path | None = None,
) -> dict[str, Any]:
    """The manifest of `run` (see the module docstring), without writing it."""
    from workbench.data.profiles import active_profile
    from workbench.linkage.model import LinkageModel
    from workbench.provenance import code_context, model_hashes

    used = model if model is not None else LinkageModel()
    read: list[Any] = [report.file for report in run.reports.values()]
    profile = active_profile()
    if profile is not None:
        read.append(profile.path)
    inputs = input_hashes(read)
    if model_folder is not None:  # as `assess --model` records it
        inputs |= model_hashes(model_folder)
    elif model is not None:  # a model made in Python: no files, but its settings
        inputs[IN_MEMORY_MODEL_INPUT] = settings_sha256(model)
    if truth is not None:
        inputs[f"truth:{truth.name}"] = file_sha256(truth)
    linked, clerical = used.thresholds
    parameters: dict[str, Any] = {
        "seed": seed,
        # The package's own settings, or the folder given (its files' SHA-256 are inputs).
        "model": (
            str(model_folder.resolve())
            if model_folder is not None
            else "built-in"
            if model is None
            else IN_MEMORY_MODEL
        ),
        "thresholds": {"linked": linked, "clerical_review": clerical},
        "estimate_u": used.estimate_u,
        "estimate_m": used.estimate_m,
    }
    version, commit, env = code_context()
    outputs = {"links": {"file": run.out.name, "sha256": file_sha256(run.out)}}
    if run.quarantine_file is not None and run.quarantine_file.is_file():
        outputs["quarantine"] = {
            "file": run.quarantine_file.name,
            "sha256": file_sha256(run.quarantine_file),
        }
    for written in run.quality_files:
        outputs[f"quality:{written.name}"] = {
            "file": relative_to_links(written, run.out),
            "sha256": file_sha256(written),
        }
    return {
        "run_id": run_id(inputs, _flat(parameters), LINK_RUN, version),
        "command": "link",
        "parameters": parameters,
        "data": str(data.resolve()),
        "inputs": inputs,
        "rows": {
            name: {"read": r.read, "accepted": r.accepted, "quarantined": r.quarantined}
            for name, r in run.reports.items()
        },
        "bands": {
            row["source"]: {k: v for k, v in row.items() if k != "source"}
            for row in run.counts().iter_rows(named=True)
        },
        "outputs": outputs,
        "code_version": version,
        "git_commit": commit,
        "environment": env,
    }


def relative_to_links(path: Path, links: Path) -> str:
    """Where `path` is from the folder of the `links` file, with forward slashes, as the
    manifest names a file the run wrote: the links and their manifest moved or written to
    another folder with the quality tables beside them name the same files.

    >>> relative_to_links(Path("/runs/a/quality/linkage_bands.csv"), Path("/runs/a/links.csv"))
    'quality/linkage_bands.csv'
    >>> relative_to_links(Path("/runs/quality/linkage_bands.csv"), Path("/runs/a/links.csv"))
    '../quality/linkage_bands.csv'
    """
    return Path(os.path.relpath(path.absolute(), links.absolute().parent)).as_posix()


def _flat(parameters: dict[str, Any]) -> dict[str, str]:
    """The parameters as `run_id` takes them: one string each (nested ones as sorted JSON)."""
    return {
        name: json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value)
        for name, value in parameters.items()
    }


def write_link_manifest(
    run: LinkRun,
    data: Path,
    *,
    seed: int,
    model: LinkageModel | None = None,
    model_folder: Path | None = None,
    truth: Path | None = None,
) -> tuple[Path, str]:
    """Write `link_manifest` beside the links (owner-only, atomically); returns its path and
    the run's id. `workbench.linkage.link_folder` calls it (and so `workbench link`)."""
    record = link_manifest(
        run, data, seed=seed, model=model, model_folder=model_folder, truth=truth
    )
    path = manifest_path(run.out)
    text = json.dumps(record, indent=2, sort_keys=True)
    write_private(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path, record["run_id"]
