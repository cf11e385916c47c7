"""The catalog data itself: coverage of the issue's list, well-formed entries, cheap import."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tui.core.troubleshoot import catalog

ROOT = Path(__file__).resolve().parents[3]
ENTRIES = catalog.load()

# Every AADSTS code in shared/reference/identity-platform.md (kept here so CI needs no
# file outside the repository).
REFERENCE_CODES = {
    700016, 7000215, 7000222, 7000218, 700025, 90023, 50011, 65001, 65004, 90014, 900144,
    90002, 900023, 50126, 50034, 50053, 50055, 50057, 50076, 50079, 50158, 53003, 70000,
    70008, 700082, 50173, 70043, 70011, 28000, 700022, 70016, 700024, 700054, 700051, 50148,
    501481, 54005, 9002313, 90100, 500011, 650052, 50020, 50059, 50194, 90033, 50105, 90009,
    9001023, 1002012, 90133, 700084, 700005, 90038,
}
OAUTH_ERRORS = {"invalid_client", "invalid_grant", "invalid_scope", "invalid_request",
                "unauthorized_client", "access_denied", "consent_required",
                "interaction_required", "temporarily_unavailable", "server_error",
                "unsupported_grant_type"}
DEVICE_OUTCOMES = {"authorization_pending", "slow_down", "authorization_declined",
                   "bad_verification_code", "expired_token"}


def test_size_and_unique_ids() -> None:
    assert len(ENTRIES) >= 45
    ids = [e.id for e in ENTRIES]
    assert len(ids) == len(set(ids))


def test_every_reference_code_has_an_entry() -> None:
    covered = {c for e in ENTRIES for c in e.codes}
    assert sorted(REFERENCE_CODES - covered) == []


def test_generic_oauth_errors_and_device_outcomes_have_entries() -> None:
    claimed = {err for e in ENTRIES for err in e.errors}
    assert sorted((OAUTH_ERRORS | DEVICE_OUTCOMES) - claimed) == []
    for err in OAUTH_ERRORS:
        assert catalog.match(err)[0].entry.generic, err


def test_every_validator_rule_has_an_entry() -> None:
    source = (ROOT / "tui" / "core" / "validate.py").read_text()
    rules = set(re.findall(r"\"(config\.[a-z_]+)\"", source))
    assert len(rules) >= 16
    claimed = {r for e in ENTRIES for r in e.rules}
    assert sorted(rules - claimed) == []


def test_issue_groups_are_covered() -> None:
    groups = {e.group for e in ENTRIES}
    assert {"network", "graph", "config", "local", "device", "seed"} <= groups
    statuses = {s for e in ENTRIES for s in e.statuses}
    assert {401, 403, 407, 429, 500, 502, 503, 504} <= statuses


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_entry_is_well_formed(entry: catalog.Entry) -> None:
    assert entry.title and entry.reason and entry.resolution
    assert not entry.title.endswith("."), "titles are headings"
    for step in entry.resolution:
        assert step[0].isupper() or step.startswith(("`", "exo-oauth")), step
        assert step.rstrip().endswith((".", ")", "`", ":")), step
    if entry.codes:
        assert entry.link == catalog.lookup_link(entry.codes[0])
    if entry.link:
        assert entry.link.startswith("https://")
    assert any((entry.codes, entry.errors, entry.statuses, entry.rules, entry.classes,
                entry.kinds, entry.patterns)) or entry.id == catalog.UNKNOWN_CODE_ID


def test_resolutions_are_concrete() -> None:
    """Each entry names a portal place, a form field, a command, or a shell step."""
    anchors = ("exo-oauth", "Entra admin center", "Microsoft 365 admin center", "Client ID",
               "Client secret", "OAuth2 Endpoint", "OAuth2 Token", "Token endpoint",
               "Auth endpoint", "Auto-refresh", "`", "https://", "Label")
    vague = [e.id for e in ENTRIES
             if not any(a in " ".join(e.resolution) for a in anchors)]
    assert vague == []


def test_import_is_cheap() -> None:
    code = ("import sys, tui.core.troubleshoot.catalog; "
            "print(sorted(m for m in ('tomllib', 'json', 'httpx', 'textual', 'tomlkit', "
            "'tui.core.troubleshoot.error_text') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"


def test_matching_never_imports_heavy_modules() -> None:
    code = ("import sys\nfrom tui.core.troubleshoot import catalog\n"
            "catalog.match('AADSTS70008'); catalog.advice_for(OSError(13, 'Permission denied'))\n"
            "print(sorted(m for m in ('httpx', 'textual', 'tomlkit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"
