"""Test helpers for candidate lists edited on purpose."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.eligibility.assess import unlisted_path
from workbench.provenance import file_sha256


def rewritten(listed: Path) -> Path:
    """A list a test changed on purpose (to make a situation `assess` can make), its manifest's
    ``outputs`` made to record it as written: review refuses a list changed since assess wrote
    it, and these tests are about something else."""
    manifest = listed.with_name(listed.name + ".manifest.json")
    record = json.loads(manifest.read_text())
    outputs = record.get("outputs") or {}
    for role, path in (("list", listed), ("dwp_not_listed", unlisted_path(listed))):
        if role in outputs and path.exists():
            outputs[role] = {"file": path.name, "sha256": file_sha256(path)}
    manifest.write_text(json.dumps(record, indent=2, sort_keys=True))
    return listed
