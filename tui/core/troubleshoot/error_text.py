"""Free-text parsing for the troubleshooting catalog.

People paste whatever they have: a redirect URL with a URL-encoded
``error_description=``, a whole JSON error body, a log line, an exception message,
or just ``AADSTS7000215`` / ``7000215`` / ``429``. ``parse`` pulls out what the
catalog matches on (AADSTS codes, OAuth error names, HTTP statuses, validator rule
ids) and what a support ticket needs (trace id, correlation id, timestamp).
Only the standard library is used, so the CLI's error path stays cheap.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

_GUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_STAMP = r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?Z?"

AADSTS_RE = re.compile(r"AADSTS[ :]?(\d{4,9})\b", re.I)
_LOOKUP_RE = re.compile(r"/error\?code=(\d{4,9})\b")
_CODES_FIELD_RE = re.compile(r"error_codes[\"']?\s*[:=]\s*\[([\d,\s]+)\]")
_TRACE_RES = (
    re.compile(rf"Trace ID:\s*({_GUID})", re.I),
    re.compile(rf"trace_id[\"']?\s*[:=]\s*[\"']?({_GUID})", re.I),
    re.compile(rf"Request Id:\s*({_GUID})", re.I),
    re.compile(rf"[\"']request-id[\"']\s*:\s*[\"']({_GUID})", re.I),
)
_CORR_RES = (
    re.compile(rf"Correlation ID:\s*({_GUID})", re.I),
    re.compile(rf"correlation_id[\"']?\s*[:=]\s*[\"']?({_GUID})", re.I),
    re.compile(rf"[\"']client-request-id[\"']\s*:\s*[\"']({_GUID})", re.I),
)
_TIME_RES = (
    re.compile(rf"Timestamp:\s*({_STAMP})", re.I),
    re.compile(rf"timestamp[\"']?\s*[:=]\s*[\"']?({_STAMP})", re.I),
)
# error=invalid_grant (query, form, log) and "error": "invalid_grant" (JSON, Python repr)
_ERROR_FIELD_RE = re.compile(
    r"(?<![A-Za-z0-9_])(?:error|suberror)(?:=|[\"']\s*:\s*[\"'])([A-Za-z][A-Za-z0-9_]*)"
)
_STATUS_RES = (
    re.compile(r"\b(?:HTTP(?:/\d(?:\.\d)?)?(?: Error)?|status(?:[ _-]?code)?)\s*[:=]?\s*"
               r"\(?([1-5]\d\d)\b", re.I),
    re.compile(r"\b([1-5]\d\d)\s+(?:Bad Request|Unauthorized|Forbidden|Not Found|"
               r"Proxy Authentication Required|Too Many Requests|Internal Server Error|"
               r"Bad Gateway|Service Unavailable|Gateway Timeout)\b", re.I),
)
_RULE_RE = re.compile(r"(?<![\w.])(config\.[a-z_]+)\b")
_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")
_DESCRIPTION_RE = re.compile(r"error_description=([^&\s#]+)")


@dataclass(frozen=True)
class Parsed:
    """What a piece of text says about a failure. ``text`` is the decoded text, for patterns."""

    codes: tuple[int, ...] = ()
    errors: tuple[str, ...] = ()
    statuses: tuple[int, ...] = ()
    rules: tuple[str, ...] = ()
    trace_id: str | None = None
    correlation_id: str | None = None
    timestamp: str | None = None
    description: str | None = None
    text: str = field(default="", repr=False)

    def to_json(self) -> dict[str, Any]:
        """The parts worth showing (``description`` still needs redaction by the caller)."""
        return {
            "codes": list(self.codes),
            "errors": list(self.errors),
            "statuses": list(self.statuses),
            "rules": list(self.rules),
            "trace_id": self.trace_id,
            "correlation_id": self.correlation_id,
            "timestamp": self.timestamp,
            "description": self.description,
        }


def _unique(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(i for i in items if i not in (None, "")))


def _first(patterns: Iterable[re.Pattern[str]], text: str) -> str | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return found.group(1)
    return None


def _json_objects(text: str) -> Iterator[Any]:
    """The whole text as JSON, else the outermost {...} inside it (a log line with a body)."""
    stripped = text.strip()
    candidates = [stripped] if stripped.startswith(("{", "[")) else []
    start, end = stripped.find("{"), stripped.rfind("}")
    if 0 <= start < end and stripped[start:end + 1] != stripped:
        candidates.append(stripped[start:end + 1])
    for candidate in candidates:
        try:
            yield json.loads(candidate)
            return
        except ValueError:
            continue


class _Collector:
    """Accumulates findings in the order they were seen; structured fields come first."""

    def __init__(self) -> None:
        self.codes: list[int] = []
        self.errors: list[str] = []
        self.statuses: list[int] = []
        self.texts: list[str] = []
        self.trace_id: str | None = None
        self.correlation_id: str | None = None
        self.timestamp: str | None = None
        self.description: str | None = None

    def walk(self, node: Any) -> None:
        """Pick Microsoft's and Graph's error fields out of a decoded JSON value."""
        if isinstance(node, list):
            for item in node:
                self.walk(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            name = str(key).lower()
            if name in ("error", "suberror") and isinstance(value, str):
                self.errors.append(value)
            elif name == "code" and isinstance(value, str) and value.isidentifier():
                self.errors.append(value)  # Graph: {"error": {"code": "..."}}
            elif name in ("error_codes", "codes") and isinstance(value, list):
                self.codes += [int(v) for v in value if str(v).isdigit()]
            elif name in ("error_description", "message") and isinstance(value, str):
                self.description = self.description or value
                self.texts.append(value)
            elif name in ("status", "statuscode", "status_code", "http_status"):
                if str(value).isdigit() and 100 <= int(value) <= 599:
                    self.statuses.append(int(value))
            elif name == "trace_id" or name == "request-id":
                self.trace_id = self.trace_id or str(value)
            elif name == "correlation_id" or name == "client-request-id":
                self.correlation_id = self.correlation_id or str(value)
            elif name in ("timestamp", "date") and isinstance(value, str):
                self.timestamp = self.timestamp or value
            elif isinstance(value, (dict, list)):
                self.walk(value)


def _decoded_variants(text: str) -> list[str]:
    """The text as given, plus URL-decoded forms of it and of any error_description=."""
    variants = [text]
    for found in _DESCRIPTION_RE.finditer(text):
        variants.append(unquote_plus(found.group(1)))
    if _PERCENT_RE.search(text) or ("error=" in text and "+" in text):
        variants.append(unquote_plus(text))
    return variants


def parse(text: str, *, known_errors: Iterable[str] = ()) -> Parsed:
    """Everything the catalog can use from ``text``; never raises.

    ``known_errors`` are error names (like ``invalid_grant``) recognised even as bare
    words; values of ``error=`` / ``"error":`` fields are picked up whatever they are.
    """
    found = _Collector()
    stripped = text.strip()
    if re.fullmatch(r"\d{3}", stripped):
        found.statuses.append(int(stripped))
    elif re.fullmatch(r"\d{4,9}", stripped):
        found.codes.append(int(stripped))
    variants = _decoded_variants(text)
    for variant in variants:
        for obj in _json_objects(variant):
            found.walk(obj)
    if found.description is None:
        for variant in variants[1:]:
            if variant.startswith("AADSTS") or "Trace ID" in variant:
                found.description = variant
                break
    whole = "\n".join(variants + found.texts)
    for pattern in (AADSTS_RE, _LOOKUP_RE):
        found.codes += [int(c) for c in pattern.findall(whole)]
    for group in _CODES_FIELD_RE.findall(whole):
        found.codes += [int(c) for c in re.findall(r"\d+", group)]
    found.errors += _ERROR_FIELD_RE.findall(whole)
    found.errors += _bare_errors(whole, known_errors)
    for pattern in _STATUS_RES:
        found.statuses += [int(s) for s in pattern.findall(whole)]
    return Parsed(
        codes=_unique(found.codes),
        errors=_unique(found.errors),
        statuses=_unique(found.statuses),
        rules=_unique(_RULE_RE.findall(whole)),
        trace_id=found.trace_id or _first(_TRACE_RES, whole),
        correlation_id=found.correlation_id or _first(_CORR_RES, whole),
        timestamp=found.timestamp or _first(_TIME_RES, whole),
        description=found.description,
        text=whole,
    )


def _bare_errors(text: str, known: Iterable[str]) -> list[str]:
    """Known error names standing as words in ``text``, in order of appearance."""
    names = tuple(sorted(set(known), key=lambda n: (-len(n), n)))
    if not names:
        return []
    pattern, canonical = _bare_pattern(names)
    return [canonical[m.lower()] for m in pattern.findall(text)]


@functools.lru_cache(maxsize=4)
def _bare_pattern(names: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    pattern = re.compile(
        r"(?<![A-Za-z0-9_])(" + "|".join(re.escape(n) for n in names) + r")(?![A-Za-z0-9_])",
        re.I,
    )
    return pattern, {n.lower(): n for n in names}
