"""Every catalog entry is selected first by at least one realistic input; none is left out."""

from __future__ import annotations

import pytest

from tui.core.troubleshoot import catalog
from tui.core.validate import WARNING, Issue

from .samples import SAMPLES


def _describe(found: list[catalog.Match]) -> list[tuple[str, int, str]]:
    return [(m.id, m.level, m.via) for m in found[:4]]


@pytest.mark.parametrize(("entry_id", "thing"), SAMPLES,
                         ids=[f"{i:03d}-{e}" for i, (e, _) in enumerate(SAMPLES)])
def test_sample_selects_its_entry_first(entry_id: str, thing: object) -> None:
    found = catalog.match(thing)
    assert found, f"nothing matched {thing!r}"
    assert found[0].id == entry_id, _describe(found)


def test_every_entry_has_a_sample() -> None:
    ids = {e.id for e in catalog.load()}
    sampled = {entry_id for entry_id, _ in SAMPLES}
    assert sorted(ids - sampled) == [], "entries without a sample input"
    assert sorted(sampled - ids) == [], "samples naming entries that do not exist"


ENTRIES = catalog.load()


@pytest.mark.parametrize(("code", "entry_id"),
                         [(c, e.id) for e in ENTRIES for c in e.codes])
def test_every_code_selects_its_entry(code: int, entry_id: str) -> None:
    for text in (f"AADSTS{code}", str(code), f"error_codes: [{code}]"):
        found = catalog.match(text)
        assert found[0].id == entry_id, (text, _describe(found))
        assert found[0].link == catalog.lookup_link(code)


@pytest.mark.parametrize(("error", "entry_id"),
                         [(err, e.id) for e in ENTRIES for err in e.errors])
def test_every_error_string_selects_its_entry(error: str, entry_id: str) -> None:
    for text in (f"error={error}", f'{{"error": "{error}"}}', error):
        assert catalog.match(text)[0].id == entry_id, text


@pytest.mark.parametrize(("status", "entry_id"),
                         [(s, e.id) for e in ENTRIES for s in e.statuses])
def test_every_status_selects_its_entry(status: int, entry_id: str) -> None:
    assert catalog.match(f"HTTP {status}")[0].id == entry_id
    assert catalog.match(str(status))[0].id == entry_id


@pytest.mark.parametrize(("rule", "entry_id"), [(r, e.id) for e in ENTRIES for r in e.rules])
def test_every_rule_selects_its_entry(rule: str, entry_id: str) -> None:
    assert catalog.match(Issue("label", WARNING, "x", rule))[0].id == entry_id
    assert catalog.match(f"label: {rule}")[0].id == entry_id


@pytest.mark.parametrize("entry_id", [e.id for e in ENTRIES])
def test_an_entry_id_selects_that_entry(entry_id: str) -> None:
    found = catalog.match(f"  {entry_id}\n")
    assert found[0].id == entry_id
    assert found[0].level == catalog.LEVEL_ID


def test_the_catalog_explains_the_new_rules() -> None:
    from tui.core.troubleshoot import catalog
    from tui.core.validate import ERROR, Issue

    for rule, entry in (("config.app_needs_tenant", "aadsts.9001023"),
                        ("config.app_needs_default_scope", "aadsts.1002012")):
        assert catalog.match(Issue("token_url", ERROR, "x", rule))[0].id == entry
