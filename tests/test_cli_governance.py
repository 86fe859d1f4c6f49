"""The governance commands from the command line: transparency, retention, subject access."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from workbench.synth import generate_council, write_council


def workbench(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench", "--quiet", *args],
        capture_output=True,
        text=True,
        env=env,
    )


def test_transparency_lists_every_criterion_in_force(tmp_path: Path):
    out = tmp_path / "atrs.md"
    result = workbench("transparency", "--on", "2026-09-01", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    for code in ("universal_credit_low_income", "disability_access_fund", "dwp_list"):
        assert f"`{code}`" in text


def test_retention_dry_run_deletes_nothing_and_a_bad_policy_is_refused(tmp_path: Path):
    old = tmp_path / "reports" / "2015-09-01-demo-r-0123456789ab"
    (old / "restricted").mkdir(parents=True)
    (old / "restricted" / "list.csv").write_text("person_id\nP1\n")
    dry = workbench("retention", "--reports", str(tmp_path / "reports"), "--today", "2026-11-26")
    assert dry.returncode == 0, dry.stderr
    assert "Nothing deleted" in dry.stdout and old.exists()
    applied = workbench(
        "retention", "--apply", "--reports", str(tmp_path / "reports"), "--today", "2026-11-26"
    )
    assert applied.returncode == 0, applied.stderr
    assert not old.exists()
    bad = tmp_path / "policy.yaml"
    bad.write_text("periods: {}\n")
    refused = workbench("retention", "--policy", str(bad), "--reports", str(tmp_path))
    assert refused.returncode == 1 and "policy.yaml" in refused.stderr


def test_subject_access_by_person_id(tmp_path: Path):
    env = dict(os.environ, WORKBENCH_KEY_FILE=str(tmp_path / "k" / "pseudonym.key"))
    env.pop("WORKBENCH_KEY", None)
    data = tmp_path / "data"
    council = generate_council(300, 5)
    write_council(council, data, "csv")
    person = council["people"]["person_id"][0]
    out = tmp_path / "sar.md"
    result = workbench(
        "subject-access", "--person", person, "--data", str(data), "--out", str(out), env=env
    )
    assert result.returncode == 0, result.stderr
    assert person in out.read_text()
    assert oct(out.stat().st_mode & 0o777) == "0o600"
