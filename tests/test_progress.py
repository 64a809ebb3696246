"""The progress bar shows once a run has taken a second, whatever the vault's size."""

from __future__ import annotations

import io

import pytest

from vaultkit.cli import common


@pytest.fixture
def stderr(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    out = io.StringIO()
    monkeypatch.setattr(common.sys, "stderr", out)
    return out


def test_no_bar_within_the_first_second(stderr: io.StringIO) -> None:
    progress = common._Progress(True)
    progress("parsing", 5, 10)
    assert progress.bar is None


def test_a_bar_for_a_small_vault_once_a_second_has_passed(stderr, monkeypatch: pytest.MonkeyPatch) -> None:
    progress = common._Progress(True)
    progress("parsing", 3, 10)
    monkeypatch.setattr(common, "PROGRESS_AFTER", 0.0)
    progress("parsing", 2, 10)
    assert progress.bar is not None and progress.bar.pos == 5  # what was done before it showed counts
    progress("checking", 4, 10)
    assert progress.bar.label.strip() == "checking" and progress.bar.pos == 4
    progress.close()
    assert progress.bar is None


def test_never_a_bar_when_disabled(stderr, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "PROGRESS_AFTER", 0.0)
    progress = common._Progress(False)
    progress("parsing", 3, 10)
    assert progress.bar is None and stderr.getvalue() == ""
