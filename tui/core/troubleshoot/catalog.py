"""The troubleshooting catalog: every failure we know, with a plain reason and concrete steps.

The data lives in ``catalog.toml`` next to this file (the single source for the CLI,
the TUI panel and the README table). It is read lazily, once, with ``tomllib``:
this module sits on the CLI's error path, so importing it costs next to nothing.

``match(thing)`` ranks entries, most specific first:

7. the text is an entry id (``exo-oauth troubleshoot network.dns``);
6. an error string that only a specific entry claims (device-flow outcomes such as
   ``slow_down``, Graph codes such as ``InvalidAuthenticationToken``): these name the
   outcome more exactly than the AADSTS number sent with them;
5. an AADSTS code;
4. a validator rule id, or a message pattern (DNS failure, ``Permission denied``...);
3. a generic OAuth error string (``invalid_grant``); an AADSTS code the catalog does
   not know lands here too, on its error's entry (or ``aadsts.unknown``) with the
   code's Microsoft lookup link;
2. an HTTP status;
1. an exception class or an ``OAuthError.kind``.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .error_text import Parsed

LEVEL_ID = 7
LEVEL_OUTCOME = 6
LEVEL_CODE = 5
LEVEL_TEXT = 4
LEVEL_ERROR = 3
LEVEL_STATUS = 2
LEVEL_CLASS = 1

UNKNOWN_CODE_ID = "aadsts.unknown"
DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "catalog.toml")
_NOISE_CLASSES = {"object", "BaseException", "Exception"}


def lookup_link(code: int) -> str:
    """Microsoft's own explanation page for an AADSTS code."""
    return f"https://login.microsoftonline.com/error?code={code}"


@dataclass(frozen=True)
class Group:
    id: str
    title: str


@dataclass(frozen=True)
class Entry:
    """One known problem: what it means, what to do, and what input selects it."""

    id: str
    group: str
    title: str
    reason: str
    resolution: tuple[str, ...]
    link: str | None = None
    codes: tuple[int, ...] = ()
    errors: tuple[str, ...] = ()
    statuses: tuple[int, ...] = ()
    rules: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    generic: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "group": self.group, "codes": list(self.codes),
                "errors": list(self.errors), "statuses": list(self.statuses),
                "rules": list(self.rules), "title": self.title, "reason": self.reason,
                "resolution": list(self.resolution), "link": self.link}


@dataclass(frozen=True)
class Match:
    """An entry selected for some input; ``link`` may be the lookup page of an unknown code."""

    entry: Entry
    level: int
    via: str
    link: str | None = None
    code: int | None = None

    @property
    def id(self) -> str:
        return self.entry.id

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        return {"id": e.id, "codes": list(e.codes) or ([self.code] if self.code else []),
                "title": e.title, "reason": e.reason, "resolution": list(e.resolution),
                "link": self.link, "matched_on": self.via, "level": self.level}


@dataclass(frozen=True)
class _Catalog:
    groups: tuple[Group, ...]
    entries: tuple[Entry, ...]
    by_id: dict[str, Entry]
    by_code: dict[int, Entry]
    by_error: dict[str, Entry]  # lower-cased error string -> entry
    by_status: dict[int, Entry]
    by_rule: dict[str, Entry]
    by_class: dict[str, Entry]
    by_kind: dict[str, Entry]
    patterns: tuple[tuple[re.Pattern[str], Entry], ...]
    order: dict[str, int]
    error_names: tuple[str, ...]


def _claim(index: dict[Any, Entry], key: Any, entry: Entry) -> None:
    if key in index:
        raise ValueError(f"catalog: {key!r} is claimed by {index[key].id} and {entry.id}")
    index[key] = entry


def _build(data: dict[str, Any]) -> _Catalog:
    groups = tuple(Group(g["id"], g["title"]) for g in data.get("group", []))
    group_ids = {g.id for g in groups}
    entries: list[Entry] = []
    for raw in data.get("entry", []):
        codes = tuple(int(c) for c in raw.get("codes", ()))
        link = raw.get("link") or (lookup_link(codes[0]) if codes else None)
        entry = Entry(
            id=raw["id"], group=raw["group"], title=raw["title"], reason=raw["reason"],
            resolution=tuple(raw["resolution"]), link=link, codes=codes,
            errors=tuple(raw.get("errors", ())), statuses=tuple(raw.get("statuses", ())),
            rules=tuple(raw.get("rules", ())), classes=tuple(raw.get("classes", ())),
            kinds=tuple(raw.get("kinds", ())), patterns=tuple(raw.get("patterns", ())),
            generic=bool(raw.get("generic", False)),
        )
        if entry.group not in group_ids:
            raise ValueError(f"catalog: {entry.id} names unknown group {entry.group!r}")
        entries.append(entry)
    by_id: dict[str, Entry] = {}
    by_code: dict[int, Entry] = {}
    by_error: dict[str, Entry] = {}
    by_status: dict[int, Entry] = {}
    by_rule: dict[str, Entry] = {}
    by_class: dict[str, Entry] = {}
    by_kind: dict[str, Entry] = {}
    patterns: list[tuple[re.Pattern[str], Entry]] = []
    for e in entries:
        _claim(by_id, e.id, e)
        for code in e.codes:
            _claim(by_code, code, e)
        for err in e.errors:
            _claim(by_error, err.lower(), e)
        for status in e.statuses:
            _claim(by_status, status, e)
        for rule in e.rules:
            _claim(by_rule, rule, e)
        for cls in e.classes:
            _claim(by_class, cls, e)
        for kind in e.kinds:
            _claim(by_kind, kind, e)
        patterns += [(re.compile(p, re.I), e) for p in e.patterns]
    if UNKNOWN_CODE_ID not in by_id:
        raise ValueError(f"catalog: the fallback entry {UNKNOWN_CODE_ID} is missing")
    return _Catalog(groups, tuple(entries), by_id, by_code, by_error, by_status, by_rule,
                    by_class, by_kind, tuple(patterns),
                    order={e.id: i for i, e in enumerate(entries)},
                    error_names=tuple(e for entry in entries for e in entry.errors))


@functools.cache
def _catalog() -> _Catalog:
    import tomllib

    with open(DATA_FILE, "rb") as fh:
        return _build(tomllib.load(fh))


def load() -> list[Entry]:
    """Every entry, in catalog order."""
    return list(_catalog().entries)


def groups() -> list[Group]:
    return list(_catalog().groups)


def get(entry_id: str) -> Entry | None:
    return _catalog().by_id.get(entry_id)


def parse(text: str) -> Parsed:
    """Codes, error names, statuses, rule ids and support ids found in pasted text."""
    from .error_text import parse as parse_text

    return parse_text(text, known_errors=_catalog().error_names)


@dataclass
class _Facts:
    """Everything known about one input, most authoritative first within each list."""

    ids: list[str] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    classes: list[tuple[str, int]] = field(default_factory=list)  # (name, weight)
    kinds: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def absorb(self, parsed: Parsed) -> None:
        self.codes += parsed.codes
        self.errors += parsed.errors
        self.statuses += parsed.statuses
        self.rules += parsed.rules
        self.texts.append(parsed.text)


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and not any(current is c for c in chain) and len(chain) < 8:
        chain.append(current)
        attached = getattr(current, "oauth_error", None)  # NeedsAuthorization's refusal
        if isinstance(attached, BaseException) and attached is not current.__cause__:
            chain.append(attached)
        current = current.__cause__ or current.__context__
    return chain


def _facts(thing: object) -> _Facts:
    facts = _Facts()
    if isinstance(thing, str):
        if thing.strip() in _catalog().by_id:
            facts.ids.append(thing.strip())
        facts.absorb(parse(thing))
        return facts
    if not isinstance(thing, BaseException):
        rule = getattr(thing, "rule", None)
        if isinstance(rule, str):  # a validate.Issue (duck-typed: no import needed)
            facts.rules.append(rule)
            return facts
        from .error_text import Parsed as ParsedType

        if isinstance(thing, ParsedType):
            facts.absorb(thing)
            return facts
        facts.absorb(parse(str(thing)))
        return facts
    from tui.core.errors import OAuthError

    texts: list[str] = []
    for depth, exc in enumerate(_exception_chain(thing)):
        names = [c.__name__ for c in type(exc).__mro__ if c.__name__ not in _NOISE_CLASSES]
        facts.classes += [(name, depth * 100 + i) for i, name in enumerate(names)]
        if isinstance(exc, OAuthError):
            facts.codes += exc.codes
            facts.errors += [e for e in (exc.error, exc.suberror) if e]
            facts.statuses += [exc.status] if exc.status else []
            facts.kinds.append(exc.kind)
            texts += [t for t in (exc.error_description, exc.error_uri) if t]
        texts.append(str(exc))
    facts.absorb(parse("\n".join(texts)))
    if any(name == "ProxyError" for name, _ in facts.classes):
        # "502 Bad Gateway" in a ProxyError is the proxy's answer to CONNECT, not the
        # server's: only 407 (proxy wants credentials) says something of its own.
        facts.statuses = [s for s in facts.statuses if s == 407]
    return facts


def match(thing: object) -> list[Match]:
    """Entries for an OAuthError, any exception, a validation Issue, or pasted text."""
    cat = _catalog()
    facts = _facts(thing)
    found: dict[str, tuple[Match, float]] = {}

    def offer(entry: Entry, level: int, weight: float, via: str,
              link: str | None = None, code: int | None = None) -> None:
        current = found.get(entry.id)
        if current is None or (level, -weight) > (current[0].level, -current[1]):
            found[entry.id] = (Match(entry, level, via, link or entry.link, code), weight)

    for entry_id in facts.ids:
        offer(cat.by_id[entry_id], LEVEL_ID, 0, entry_id)
    error_entries = [(i, cat.by_error[e.lower()]) for i, e in enumerate(_unique(facts.errors))
                     if e.lower() in cat.by_error]
    for i, entry in error_entries:
        offer(entry, LEVEL_ERROR if entry.generic else LEVEL_OUTCOME, i,
              next(e for e in entry.errors if e.lower() in {x.lower() for x in facts.errors}))
    unknown: list[int] = []
    for i, code in enumerate(_unique(facts.codes)):
        known = cat.by_code.get(code)
        if known:
            offer(known, LEVEL_CODE, i, f"AADSTS{code}", lookup_link(code), code)
        else:
            unknown.append(code)
    if unknown:
        code = unknown[0]
        fallback = error_entries[0][1] if error_entries else cat.by_id[UNKNOWN_CODE_ID]
        weight = error_entries[0][0] - 0.5 if error_entries else 0
        offer(fallback, LEVEL_ERROR, weight, f"AADSTS{code} (not in the catalog)",
              lookup_link(code), code)
    for i, rule in enumerate(_unique(facts.rules)):
        if rule in cat.by_rule:
            offer(cat.by_rule[rule], LEVEL_TEXT, i - 10_000, rule)
    text = "\n".join(facts.texts)
    for pattern, entry in cat.patterns:
        hit = pattern.search(text) if text else None
        if hit:
            offer(entry, LEVEL_TEXT, -len(hit.group(0)), hit.group(0))
    for i, status in enumerate(_unique(facts.statuses)):
        if status in cat.by_status:
            offer(cat.by_status[status], LEVEL_STATUS, i, f"HTTP {status}")
    for name, weight in facts.classes:
        if name in cat.by_class:
            offer(cat.by_class[name], LEVEL_CLASS, weight, name)
    for kind in facts.kinds:
        if kind in cat.by_kind:
            offer(cat.by_kind[kind], LEVEL_CLASS, 10_000, f"kind {kind}")
    ranked = sorted(found.values(),
                    key=lambda mw: (-mw[0].level, mw[1], cat.order[mw[0].entry.id]))
    return [m for m, _ in ranked]


def _unique(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def resolution_for(entry: Entry, label: str | None = None) -> tuple[str, ...]:
    """The entry's steps, with the placeholder LABEL replaced by a real account label."""
    if not label:
        return entry.resolution
    import shlex

    shown = shlex.quote(label)
    return tuple(re.sub(r"\bLABEL\b", lambda _: shown, step) for step in entry.resolution)


def wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    """Wrap for a terminal without breaking inside a `command`, so it can be copied whole."""
    import textwrap

    glued = re.sub(r"`[^`]*`", lambda m: m.group(0).replace(" ", "\0"), text)
    lines = textwrap.wrap(glued, width, initial_indent=first, subsequent_indent=rest,
                          break_on_hyphens=False, break_long_words=False)
    return [line.replace("\0", " ") for line in lines] or [first.rstrip()]


def format_advice(found: Match, *, label: str | None = None, width: int = 88) -> str:
    """Plain text: the title, numbered steps and the link; for stderr and the TUI."""
    lines = [f"What to do ({found.entry.id}): {found.entry.title}"]
    for n, step in enumerate(resolution_for(found.entry, label), 1):
        lines += wrap(step, width, f"  {n}. ", "     ")
    if found.link:
        lines.append(f"  More: {found.link}")
    return "\n".join(lines)


def advice_for(exc: BaseException, *, label: str | None = None) -> str | None:
    """The top match's advice for a failure, or None; never raises (it runs on error paths).

    ``label`` (else the exception's own ``label`` attribute, if any) replaces LABEL in
    the steps, so the commands can be pasted as they are.
    """
    try:
        found = match(exc)
        if not found:
            return None
        own = getattr(exc, "label", None)
        return format_advice(found[0], label=label or (own if isinstance(own, str) else None))
    except Exception:  # a broken catalog must not hide the original failure
        return None

