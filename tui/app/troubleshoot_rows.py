"""What the troubleshooting panel shows, apart from the widgets: rows, filtering, failures.

No Textual here: the panel, its tests and the screenshot script share these.
Everything that came from a failure passes through ``redact`` before it is shown
or copied, so a secret in an error text never reaches the screen or the clipboard.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from tui.core.troubleshoot import catalog
from tui.core.troubleshoot.catalog import Entry, Match
from tui.core.troubleshoot.redact import redact
from tui.core.validate import Issue

_ID_LINE_RE = re.compile(r"^\s*(Trace ID|Correlation ID|Timestamp)\s*:", re.I)
_AADSTS_QUERY_RE = re.compile(r"^aadsts[ :]?", re.I)


def code_label(entry: Entry) -> str:
    """The short key of an entry in the table: its AADSTS code, HTTP status, error or id."""
    if entry.codes:
        return f"AADSTS{entry.codes[0]}"
    if entry.statuses:
        return f"HTTP {entry.statuses[0]}" if len(entry.statuses) == 1 else "HTTP 5xx"
    if entry.errors:
        return entry.errors[0]
    return entry.id


def all_keys(entry: Entry) -> list[str]:
    """Every code, status, error name and rule an entry answers to (for the detail pane)."""
    keys = [f"AADSTS{c}" for c in entry.codes] + [f"HTTP {s}" for s in entry.statuses]
    keys += list(entry.errors) + [r for r in entry.rules if r != entry.id]
    return keys or [entry.id]


@functools.cache
def _haystacks(entry: Entry) -> tuple[str, str]:
    """(key fields, whole text), lower-cased: hits in the first rank above the second."""
    group = next((g.title for g in catalog.groups() if g.id == entry.group), "")
    keys = " ".join([entry.id, entry.title, *all_keys(entry),
                     *(str(c) for c in entry.codes), *(str(s) for s in entry.statuses)])
    whole = " ".join([keys, group, entry.reason, *entry.resolution])
    return keys.lower(), whole.lower()


@dataclass(frozen=True)
class Row:
    """One table row: the entry, and the link to show (an unknown code's own page)."""

    entry: Entry
    link: str | None
    matched: bool = False


def filter_rows(query: str, entries: list[Entry] | None = None) -> list[Row]:
    """Entries for what was typed: exact matches first, then key hits, then text hits.

    The query may be a code (``7000215``, ``AADSTS50011``), words (``redirect uri``),
    or a whole pasted error message: ``catalog.match`` recognises the latter.
    """
    entries = catalog.load() if entries is None else entries
    text = query.strip()
    if not text:
        return [Row(e, e.link) for e in entries]
    allowed = {e.id for e in entries}
    rows: dict[str, Row] = {}
    for found in catalog.match(text):
        if found.entry.id in allowed and found.entry.id not in rows:
            rows[found.entry.id] = Row(found.entry, found.link, matched=True)
    words = [_AADSTS_QUERY_RE.sub("", w) or w for w in text.lower().split()]
    later: list[Row] = []
    for entry in entries:
        if entry.id in rows:
            continue
        keys, whole = _haystacks(entry)
        if all(w in keys or f"aadsts{w}" in keys for w in words):
            rows[entry.id] = Row(entry, entry.link)
        elif all(w in whole for w in words):
            later.append(Row(entry, entry.link))
    return [*rows.values(), *later]


@dataclass(frozen=True)
class Failure:
    """A failure as the panel shows it: redacted text, support ids and catalog matches."""

    heading: str
    raw: str
    trace_id: str | None = None
    correlation_id: str | None = None
    timestamp: str | None = None
    matches: tuple[Match, ...] = ()
    label: str | None = None

    @property
    def top(self) -> Match | None:
        return self.matches[0] if self.matches else None

    def support_ids(self) -> list[tuple[str, str, str]]:
        """(key, name, value) of each support id present, in ticket order."""
        found = [("trace", "Trace ID", self.trace_id),
                 ("correlation", "Correlation ID", self.correlation_id),
                 ("timestamp", "Timestamp", self.timestamp)]
        return [(key, name, value) for key, name, value in found if value]


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps, and an OAuthError kept on ``oauth_error``."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 8 and not any(current is s for s in seen):
        seen.append(current)
        attached = getattr(current, "oauth_error", None)
        if isinstance(attached, BaseException) and not any(attached is s for s in seen):
            seen.append(attached)
        current = current.__cause__ or current.__context__
    return seen


def _exception_text(exc: BaseException) -> tuple[str, Any]:
    """Lines describing an exception chain, and the first OAuthError in it (or None)."""
    from tui.core.errors import ExoError, OAuthError

    lines: list[str] = []
    oauth: OAuthError | None = None
    for item in _chain(exc):
        text = str(item).strip()
        if not isinstance(item, ExoError):
            text = f"{type(item).__name__}: {text}" if text else type(item).__name__
        if text and text not in lines:
            lines.append(text)
        if isinstance(item, OAuthError) and oauth is None:
            oauth = item
    if oauth is not None:
        if oauth.status and oauth.error and f"HTTP {oauth.status}" not in "\n".join(lines):
            lines.append(f"HTTP {oauth.status}, error {oauth.error}")
        body = [line for line in (oauth.error_description or "").splitlines()
                if line.strip() and not _ID_LINE_RE.match(line)]
        extra = [line.strip() for line in body if line.strip().rstrip(".")
                 not in "\n".join(lines)]
        lines += extra
    return "\n".join(lines), oauth


def _issue_text(issue: Issue) -> str:
    from .widgets.account_form import field_title

    kind = "Error" if issue.is_error else "Warning"
    return f"{kind} in {field_title(issue.field)}: {issue.message}"


def describe(source: object, *, label: str | None = None) -> Failure:
    """Turn what failed (exception, OAuthError, validate.Issue or text) into a Failure."""
    trace = correlation = stamp = None
    if isinstance(source, BaseException):
        heading = "What failed"
        raw, oauth = _exception_text(source)
        if oauth is not None:
            trace, correlation, stamp = oauth.trace_id, oauth.correlation_id, oauth.timestamp
        own = getattr(source, "label", None)
        label = label or (own if isinstance(own, str) else None)
    elif isinstance(source, Issue):
        heading = "Problem in the account form"
        raw = _issue_text(source)
    else:
        heading = "What failed"
        raw = str(source).strip()
    parsed = catalog.parse(raw)
    try:
        matches = tuple(catalog.match(source))
    except Exception:  # a strange object must not keep the panel from opening
        matches = tuple(catalog.match(raw))
    return Failure(
        heading=heading,
        raw=redact(raw),
        trace_id=_clean(trace or parsed.trace_id),
        correlation_id=_clean(correlation or parsed.correlation_id),
        timestamp=_clean(stamp or parsed.timestamp),
        matches=matches,
        label=label,
    )


def _clean(value: str | None) -> str | None:
    return redact(value.strip()) if value and value.strip() else None


def ticket_text(failure: Failure, found: Match | None) -> str:
    """Everything a support ticket needs, in one block (secrets already removed)."""
    lines = []
    if found is not None:
        code = f"AADSTS{found.code}" if found.code else code_label(found.entry)
        lines.append(f"Problem: {found.entry.title} ({code})")
    lines += [f"{name}: {value}" for _, name, value in failure.support_ids()]
    lines += ["", failure.raw]
    return "\n".join(lines).strip() + "\n"
