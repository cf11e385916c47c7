"""Local passwords, proxy users, the failure limiter, log lines, options, and the account
file keeping proxy settings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tui.core.errors import UsageError
from tui.core.model import Account
from tui.core.proxy import passwords, users
from tui.core.proxy.limiter import FailureLimiter
from tui.core.proxy.logline import SessionLog
from tui.core.proxy.setup import ProxyOptions, check_options
from tui.core.proxy.upstream import default_upstream, parse_upstream
from tui.core.store.account_store import AccountStore
from tui.core.validate import PROXY_HASH, is_address_pattern, validate


def test_passwords_are_stored_as_salted_scrypt_and_checked() -> None:
    first, second = passwords.hash_password("pw-1"), passwords.hash_password("pw-1")
    assert first != second  # salted
    assert first.startswith("scrypt$16384$8$1$") and "pw-1" not in first
    assert passwords.verify_password("pw-1", first)
    assert not passwords.verify_password("pw-2", first)
    assert not passwords.verify_password("pw-1", first[:-4])
    assert not passwords.verify_password("pw-1", "plain text")
    assert PROXY_HASH.fullmatch(first) and not PROXY_HASH.fullmatch("scrypt$3$8$1$AA$AA")
    assert not passwords.verify_password("pw-1", first.replace("$16384$", "$3$"))


def test_new_passwords_are_long_and_random() -> None:
    made = {passwords.new_password() for _ in range(50)}
    assert len(made) == 50
    assert all(len(p) == passwords.NEW_PASSWORD_LENGTH and p.isalnum() for p in made)


def test_the_verified_cache_only_knows_exact_pairs() -> None:
    cache = passwords.VerifiedCache(size=2)
    cache.remember("a", "h1")
    assert cache.known("a", "h1")
    assert not cache.known("a", "h2") and not cache.known("b", "h1")
    cache.remember("b", "h1")
    cache.remember("c", "h1")  # the oldest goes
    assert not cache.known("a", "h1") and cache.known("c", "h1")


@pytest.mark.parametrize(("text", "ok"), [
    ("scanner@contoso.com", True), ("*@contoso.com", True), ("a.b+c@sub.example.org", True),
    ("contoso.com", False), ("*@*", False), ("a*b@contoso.com", False), ("@contoso.com", False),
    ("a@b", False), ("x y@contoso.com", False), ("*.contoso.com", False)])
def test_proxy_user_patterns(text: str, ok: bool) -> None:
    assert is_address_pattern(text) is ok


def test_exact_addresses_beat_domains_then_file_order_decides() -> None:
    entries = [("domain", ["*@contoso.com"]), ("exact", ["Scanner@Contoso.com"]),
               ("other", ["*@fabrikam.com"]), ("domain2", ["*@CONTOSO.com"])]
    assert users.candidates(entries, "scanner@contoso.com") == ["exact", "domain", "domain2"]
    assert users.candidates(entries, "printer@contoso.com") == ["domain", "domain2"]
    assert users.candidates(entries, "x@example.com") == []
    assert users.candidates(entries, "contoso.com") == []


def test_the_limiter_slows_down_one_address_and_forgets() -> None:
    now = [0.0]
    limiter = FailureLimiter(free=2, base_delay=1, max_delay=4, window=60,
                             now=lambda: now[0])
    assert [limiter.failed("10.0.0.1") for _ in range(6)] == [0, 0, 1, 2, 4, 4]
    assert limiter.failed("10.0.0.2") == 0  # another address is not slowed
    now[0] = 61
    assert limiter.failures("10.0.0.1") == 0
    limiter.failed("10.0.0.2")
    limiter.succeeded("10.0.0.2")
    assert limiter.failures("10.0.0.2") == 0


def test_log_lines_are_terminal_safe() -> None:
    lines: list[str] = []
    slog = SessionLog(lines.append, "imap", "127.0.0.1:5000")
    slog.user = "evil\x1b[2J@x.example"
    slog("login refused: wrong password")
    assert lines == ["imap 127.0.0.1:5000 evil\\x1b[2J@x.example: login refused: wrong password"]


def test_options_that_cannot_work_are_usage_errors() -> None:
    check_options(ProxyOptions())
    with pytest.raises(UsageError, match="needs --local-cert and --local-key"):
        check_options(ProxyOptions(listen="0.0.0.0"))
    with pytest.raises(UsageError, match="go together"):
        check_options(ProxyOptions(local_cert="c.pem"))
    with pytest.raises(UsageError, match="same port"):
        check_options(ProxyOptions(ports={"imap": 2000, "smtp": 2000}))
    with pytest.raises(UsageError, match="turned off"):
        check_options(ProxyOptions(ports={}))
    check_options(ProxyOptions(listen="::1"))


def test_upstreams() -> None:
    assert default_upstream("imap").where == "outlook.office365.com:993"
    assert default_upstream("imap").implicit_tls
    assert not default_upstream("smtp").implicit_tls
    assert parse_upstream("smtp", "mail.example.com:465").implicit_tls
    assert parse_upstream("pop", "[::1]:1995").host == "::1"
    with pytest.raises(UsageError, match="--upstream-imap"):
        parse_upstream("imap", "no-port")


def test_the_account_file_keeps_proxy_users_and_the_hash(store: AccountStore) -> None:
    secret_hash = passwords.hash_password("pw")
    account = store.add(Account(label="scan", client_id="x", client_secret="s",
                                proxy_users=("scanner@contoso.com", "*@fabrikam.com"),
                                proxy_password_hash=secret_hash))
    text = store.path.read_text()
    assert "proxy_users = [\n    'scanner@contoso.com',\n    '*@fabrikam.com',\n]" in text \
        or "proxy_users = ['scanner@contoso.com', '*@fabrikam.com']" in text
    assert f"proxy_password_hash = '{secret_hash}'" in text
    again = store.get("scan")
    assert again.proxy_users == account.proxy_users
    assert again.proxy_password_hash == secret_hash
    store.update(replace(again, proxy_users=("scanner@contoso.com",)))
    assert store.get("scan").proxy_users == ("scanner@contoso.com",)
    plain = store.add(Account(label="plain", client_id="x", client_secret="s"))
    assert "proxy" not in store.path.read_text().split("label = 'plain'")[1]
    assert store.get("plain").proxy_users == () and plain.proxy_password_hash == ""


def test_hand_written_proxy_users_of_the_wrong_type_are_named(store: AccountStore) -> None:
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text("[[account]]\nlabel = 'x'\nclient_id = 'y'\nproxy_users = 'a@b.com'\n")
    with pytest.raises(Exception, match="proxy_users must be a list"):
        store.get("x")


def test_validation_of_proxy_settings() -> None:
    base = Account(label="x", client_id="00000000-0000-0000-0000-000000000000",
                   client_secret="s")
    rules = {i.rule for i in validate(replace(base, proxy_users=("nope", "a@b.example",
                                                                 "A@B.example")))}
    assert {"config.proxy_user", "config.row_duplicate", "config.proxy_no_password"} <= rules
    bad_hash = replace(base, proxy_users=("a@b.example",), proxy_password_hash="plain")
    assert [i.is_error for i in validate(bad_hash) if i.rule == "config.proxy_password"] == [True]
