"""`exo-oauth proxy` as a process: ready lines, a 25 MB message with bounded memory, local
TLS (STARTTLS and implicit TLS on one port), and SIGTERM ending it within 5 seconds."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import os
import queue
import signal
import smtplib
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.core.proxy.helpers import PASSWORD, USER, message, proxy_account
from tests.helpers import child_env, exo
from tests.mail.dovecot import HOST, Dovecot, free_port
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class Proc:
    popen: subprocess.Popen[str]
    ports: dict[str, int]
    ready: list[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def log(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return "\n".join(self.seen)

    def peak_kib(self) -> int:
        """The process's peak resident memory so far (VmHWM)."""
        with open(f"/proc/{self.popen.pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))


@contextlib.contextmanager
def proxy_process(store: AccountStore, server: Dovecot, *extra: str,
                  tls: bool = False) -> Iterator[Proc]:
    ports = {kind: free_port() for kind in ("imap", "pop", "smtp")}
    args = ["--config", str(store.path), "proxy",
            "--imap-port", str(ports["imap"]), "--pop-port", str(ports["pop"]),
            "--smtp-port", str(ports["smtp"]),
            "--upstream-imap", f"localhost:{server.imap}",
            "--upstream-pop", f"localhost:{server.pop3}",
            "--upstream-smtp", f"localhost:{server.submission}",
            "--upstream-ca", str(server.ca.ca_cert), *extra]
    if tls:
        args += ["--local-cert", str(server.ca.cert), "--local-key", str(server.ca.key)]
    popen = subprocess.Popen(exo(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=child_env(), cwd=ROOT)
    proc = Proc(popen, ports, [])

    def reader() -> None:
        assert popen.stderr is not None
        for line in popen.stderr:
            proc.lines.put(line.rstrip("\n"))

    threading.Thread(target=reader, daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        expected = 3 - sum(arg.startswith("--no-") for arg in extra)
        while len(proc.ready) < expected:
            try:
                line = proc.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"the proxy did not get ready: {proc.ready}") from None
            proc.seen.append(line)
            if " listening on " in line:
                proc.ready.append(line)
        yield proc
    finally:
        if popen.poll() is None:
            popen.kill()
        popen.wait(10)


def test_ready_lines_and_sigterm_within_five_seconds(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    import asyncio

    asyncio.run(proxy_account(mail_idp, store))
    with proxy_process(store, dovecot) as proc:
        assert proc.ready == [
            f"imap listening on {HOST}:{proc.ports['imap']} -> localhost:{dovecot.imap}",
            f"pop listening on {HOST}:{proc.ports['pop']} -> localhost:{dovecot.pop3}",
            f"smtp listening on {HOST}:{proc.ports['smtp']} -> localhost:{dovecot.submission}"]
        imap = imaplib.IMAP4(HOST, proc.ports["imap"], timeout=20)
        imap.login(USER, PASSWORD)
        imap.select("INBOX")
        tag = imap._new_tag()
        imap.send(tag + b" IDLE\r\n")  # a session in IDLE must not hold up the stop
        assert imap.readline().startswith(b"+")
        started = time.monotonic()
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(10) == 0
        assert time.monotonic() - started < 5
        assert imap.readline() == b""  # the session was closed
        imap.shutdown()
        assert "proxy stopped" in proc.log()
        assert proc.popen.stdout is not None and proc.popen.stdout.read() == ""


def big_message(size: int) -> bytes:
    chunk = base64.encodebytes(os.urandom(57 * 1000))  # 76-character lines
    body = chunk * (size // len(chunk) + 1)
    return message("25 MB through the proxy", body.decode("ascii"))


@pytest.mark.slow
def test_a_25_mb_message_passes_with_bounded_memory(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    import asyncio

    asyncio.run(proxy_account(mail_idp, store))
    data = big_message(25 * 1024 * 1024)
    with proxy_process(store, dovecot, "--no-pop", "--no-imap") as proc:
        with smtplib.SMTP(HOST, proc.ports["smtp"], timeout=120) as smtp:  # warm up: imports
            smtp.login(USER, PASSWORD)
        before = proc.peak_kib()
        with smtplib.SMTP(HOST, proc.ports["smtp"], timeout=120) as smtp:
            smtp.login(USER, PASSWORD)
            assert smtp.sendmail(USER, [USER], data) == {}
        grew = proc.peak_kib() - before
    assert grew < 8 * 1024, f"the proxy's peak memory grew by {grew} KiB for a 25 MB message"
    deadline = time.monotonic() + 20
    while not any(p.stat().st_size > 25 * 1024 * 1024
                  for p in (dovecot.mail_root / USER).glob("*/*")):
        assert time.monotonic() < deadline, "the message did not arrive"
        time.sleep(0.1)


def test_local_tls_starttls_and_implicit_tls_on_one_port(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    import asyncio

    asyncio.run(proxy_account(mail_idp, store))
    trust = ssl.create_default_context(cafile=str(dovecot.ca.ca_cert))
    with proxy_process(store, dovecot, tls=True) as proc:
        port = proc.ports["imap"]
        plain = imaplib.IMAP4(HOST, port, timeout=20)
        assert "STARTTLS" in plain.capabilities
        plain.starttls(trust)
        assert plain.login(USER, PASSWORD)[0] == "OK"
        plain.logout()
        implicit = imaplib.IMAP4_SSL(HOST, port, ssl_context=trust, timeout=20)
        assert implicit.login(USER, PASSWORD)[0] == "OK"
        implicit.logout()
        with smtplib.SMTP(HOST, proc.ports["smtp"], timeout=20) as smtp:
            smtp.starttls(context=trust)
            assert smtp.login(USER, PASSWORD)[0] == 235
