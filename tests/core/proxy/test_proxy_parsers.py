"""The command parsers of the three listeners, and SASL decoding, fuzzed with Hypothesis:
well-formed input parses back to what was meant, anything else is BadInput, nothing else
is ever raised."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.proxy import imap, pop3, smtp
from tui.core.proxy.sasl import BadInput, decode_line, decode_plain

# 5,000 random inputs, each tried against every parser; round trips need fewer.
FUZZ = settings(max_examples=5000, deadline=None)
ROUND = settings(max_examples=300, deadline=None)

# atoms: no space, parentheses, quotes, braces, control characters
atom_char = st.sampled_from(sorted(
    set(map(chr, range(0x21, 0x7F))) - set(' (){"\\%*]')))
atoms = st.text(atom_char, min_size=1, max_size=20).map(str.encode)
tags = st.text(st.sampled_from(sorted(set(map(chr, range(0x21, 0x7F))) - set(' (){"\\%*+'))),
               min_size=1, max_size=10).map(str.encode)


def as_quoted(value: bytes) -> bytes:
    return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def as_literal(value: bytes, plus: bool) -> bytes:
    return b"{%d%s}\r\n" % (len(value), b"+" if plus else b"") + value


@st.composite
def imap_commands(draw: st.DrawFn) -> tuple[bytes, bytes, bytes, list[bytes]]:
    tag = draw(tags)
    name = draw(st.sampled_from([b"LOGIN", b"login", b"Authenticate", b"CAPABILITY", b"ID"]))
    values = draw(st.lists(st.binary(max_size=30), max_size=4))
    parts = []
    for value in values:
        form = draw(st.sampled_from(["quoted", "literal", "literal+", "atom"]))
        if form == "atom" and value and all(bytes([c]) in ATOM_BYTES for c in value):
            parts.append(value)
        elif form == "quoted" and not set(value) & {0, 10, 13}:
            parts.append(as_quoted(value))
        else:
            parts.append(as_literal(value, form == "literal+"))
    return tag, name, b" ".join([tag, name, *parts]) + b"\r\n", values


ATOM_BYTES = {c.encode() for c in set(map(chr, range(0x21, 0x7F))) - set(' (){"\\%*]')}


@ROUND
@given(imap_commands())
def test_imap_commands_parse_back(case: tuple[bytes, bytes, bytes, list[bytes]]) -> None:
    tag, name, data, values = case
    cmd = imap.parse_command(data)
    assert cmd.tag == tag.decode()
    assert cmd.name == name.decode().upper()
    assert list(cmd.args) == values


@FUZZ
@given(st.binary(max_size=200))
def test_every_parser_raises_only_bad_input(data: bytes) -> None:
    for sample in (data, data + b"\r\n", b"a1 LOGIN " + data + b"\r\n"):
        try:
            cmd = imap.parse_command(sample)
        except BadInput:
            pass
        else:
            assert cmd.tag and cmd.name.isalpha()
        for parse in (pop3.parse_command, smtp.parse_command):
            try:
                verb, arg = parse(sample)
            except BadInput:
                continue
            assert verb.isalpha() and b"\r" not in arg and b"\n" not in arg
    for sample in (data, base64.b64encode(data)):
        for decode in (decode_plain, decode_line):
            with contextlib.suppress(BadInput):
                decode(sample)


def test_imap_parser_refuses_what_a_server_must_refuse() -> None:
    for bad in (b"a1\r\n", b'a1 LOGIN "x\r\n', b"a1 LOGIN {5}\r\nab\r\n", b"a1  NOOP\r\n",
                b'"a1" NOOP\r\n', b'a1 LOGIN "a\\b" c\r\n', b"a1 NOOP \r\n", b"* NOOP\r\n"):
        with pytest.raises(BadInput):
            imap.parse_command(bad)
    cmd = imap.parse_command(b'a1 ID ("name" "x")\r\n')
    assert cmd.args == (b"(", b"name", b"x", b")")


@st.composite
def line_commands(draw: st.DrawFn) -> tuple[str, bytes, bytes]:
    verb = draw(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
                        min_size=1, max_size=12))
    arg = draw(st.binary(max_size=60).filter(
        lambda b: not set(b) & {0, 10, 13} and not b.startswith(b" ") and not b.endswith(b" ")))
    return verb, arg, verb.encode() + (b" " + arg if arg else b"") + b"\r\n"


@ROUND
@given(line_commands())
def test_pop_and_smtp_commands_parse_back(case: tuple[str, bytes, bytes]) -> None:
    verb, arg, line = case
    assert pop3.parse_command(line) == (verb.upper(), arg)
    assert smtp.parse_command(line) == (verb.upper(), arg)


def test_pass_keeps_inner_spaces() -> None:
    assert pop3.parse_command(b"PASS two words \r\n") == ("PASS", b"two words ")


@ROUND
@given(st.text(min_size=1, max_size=40).filter(lambda s: "\0" not in s),
       st.text(min_size=1, max_size=40).filter(lambda s: "\0" not in s),
       st.booleans())
def test_plain_round_trip(user: str, password: str, authz: bool) -> None:
    raw = (user if authz else "").encode() + b"\0" + user.encode() + b"\0" + password.encode()
    assert decode_plain(base64.b64encode(raw)) == (user, password)
    assert decode_line(base64.b64encode(password.encode())) == password


def test_plain_refuses_acting_for_another_user() -> None:
    with pytest.raises(BadInput, match="another user"):
        decode_plain(base64.b64encode(b"boss@x.example\0me@x.example\0pw"))
