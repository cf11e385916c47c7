"""The mail proxy's figures, against a real Dovecot: added latency per IMAP command, a 1 MB
FETCH through the proxy against a direct XOAUTH2 session to the same server (paired
rounds), and memory per idle session of the `exo-oauth proxy` process.

Without Dovecot these figures are skipped and the run says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import os
import queue
import signal
import ssl
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tui.core.xoauth2 import xoauth2_text

from . import fixtures
from .bench import EXO, Figure, _env

MESSAGE_BYTES = 1024 * 1024


def _fetch(imap: imaplib.IMAP4, times: int = 1) -> float:
    """Seconds per FETCH of the 1 MB message, over ``times`` fetches in a row."""
    t0 = time.perf_counter()
    for _ in range(times):
        typ, data = imap.fetch("1", "(BODY.PEEK[])")
        body = data[0][1] if data and isinstance(data[0], tuple) else b""
        if typ != "OK" or len(body) < MESSAGE_BYTES:
            raise RuntimeError(f"FETCH returned {typ} with {len(body)} bytes")
    return (time.perf_counter() - t0) / times


def _noops(imap: imaplib.IMAP4, count: int) -> float:
    t0 = time.perf_counter()
    for _ in range(count):
        imap.noop()
    return (time.perf_counter() - t0) / count


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


@contextlib.contextmanager
def _proxy_process(env: dict[str, str], config: Path, dovecot: object, port: int
                   ) -> Iterator[subprocess.Popen[str]]:
    args = [*EXO, "--config", str(config), "proxy", "--no-pop", "--no-smtp",
            "--imap-port", str(port), "--upstream-imap",
            f"localhost:{dovecot.imap}",  # type: ignore[attr-defined]
            "--upstream-ca", str(dovecot.ca.ca_cert)]  # type: ignore[attr-defined]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError("exo-oauth proxy did not get ready") from None
            if " listening on " in line:
                break
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def proxy_figures(root: Path, quick: bool, out: Callable[[str], None]) -> list[Figure]:
    from tests.core.proxy.helpers import PASSWORD, USER, message, password_hash
    from tests.helpers import fake_account, sign_in
    from tests.mail.dovecot import HOST, SKIP_REASON, dovecot_binary, free_port, start_dovecot
    from tui.core.store.account_store import AccountStore
    from tui.fakeidp import FakeIdP

    if dovecot_binary() is None:
        out(f"proxy figures skipped: {SKIP_REASON}")
        return []
    rounds = 5 if quick else 15
    per_sample = 2 if quick else 5  # fetches per timed sample: one 1 MB FETCH is ~15 ms
    sessions = 20 if quick else 200
    env = fixtures.env_for(root / "proxy")
    config = root / "proxy" / "config" / "exo-oauth" / "accounts.toml"
    with FakeIdP() as idp:
        dovecot = start_dovecot(idp.me_url)
        try:
            with _env(env):
                store = AccountStore(config)
                account = store.add(fake_account(idp, label="bench", proxy_users=(USER,),
                                                 proxy_password_hash=password_hash()))
                asyncio.run(sign_in(store, account))
                token = store.token_state(account).access_token
            body = (os.urandom(MESSAGE_BYTES * 3 // 4).hex()[:MESSAGE_BYTES])
            dovecot.deliver(USER, message("1 MB", "\r\n".join(
                body[i:i + 76] for i in range(0, len(body), 76))))
            trust = ssl.create_default_context(cafile=str(dovecot.ca.ca_cert))
            port = free_port()
            with _proxy_process(env, config, dovecot, port) as proc:
                direct = imaplib.IMAP4("localhost", dovecot.imap, timeout=60)
                direct.starttls(trust)
                response = xoauth2_text(USER, token).encode()
                direct.authenticate("XOAUTH2", lambda _: response)
                proxied = imaplib.IMAP4(HOST, port, timeout=60)
                proxied.login(USER, PASSWORD)
                for imap in (direct, proxied):
                    imap.select("INBOX", readonly=True)
                    _fetch(imap)  # warm-up
                added, direct_noop, fetch_ratios, proxy_fetch, direct_fetch = [], [], [], [], []
                for _ in range(rounds):
                    d, p = _noops(direct, 50), _noops(proxied, 50)
                    added.append(p - d)
                    direct_noop.append(d)
                    # direct, proxy, proxy, direct: a drift in machine speed cancels out
                    d1, p1 = _fetch(direct, per_sample), _fetch(proxied, per_sample)
                    p2, d2 = _fetch(proxied, per_sample), _fetch(direct, per_sample)
                    direct_fetch.append((d1 + d2) / 2)
                    proxy_fetch.append((p1 + p2) / 2)
                    fetch_ratios.append((p1 + p2) / (d1 + d2))
                for imap in (direct, proxied):
                    imap.logout()
                base = _rss_kib(proc.pid)

                def idle_session(_: int) -> imaplib.IMAP4:
                    imap = imaplib.IMAP4(HOST, port, timeout=120)
                    imap.login(USER, PASSWORD)
                    imap.select("INBOX", readonly=True)
                    return imap

                with ThreadPoolExecutor(16) as pool:
                    held = list(pool.map(idle_session, range(sessions)))
                time.sleep(0.5)
                grown = _rss_kib(proc.pid) - base
                for imap in held:
                    with contextlib.suppress(Exception):
                        imap.logout()
        finally:
            dovecot.stop()
    return [
        Figure("proxy: added latency per IMAP command (NOOP, proxy - direct)",
               "(reported)", added, None, None,
               note=f"direct NOOP {statistics.median(direct_noop) * 1000:.2f} ms"),
        Figure("proxy: 1 MB IMAP FETCH through the proxy vs direct XOAUTH2", "<= 1.2x",
               proxy_fetch, statistics.median(direct_fetch), 1.2, pair_ratios=fetch_ratios,
               note=f"direct FETCH {statistics.median(direct_fetch) * 1000:.1f} ms; ratio: median "
                    f"of {rounds} rounds of direct, proxy, proxy, direct ({per_sample} "
                    "fetches each); both go over TLS to Dovecot, the proxy's client side is "
                    "plain loopback"),
        Figure(f"proxy: memory per idle IMAP session ({sessions} held)", "(reported)",
               [grown / sessions], None, None, unit="KiB",
               note=f"RSS of exo-oauth proxy {base / 1024:.1f} MiB before, "
                    f"+{grown / 1024:.1f} MiB with {sessions} sessions; most of it is "
                    "asyncio's 256 KiB TLS read buffer per upstream connection"),
    ]
