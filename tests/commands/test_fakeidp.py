"""`exo-oauth fake-idp` as a process: prints its URL, serves, stops cleanly on signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def running(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen([sys.executable, "-m", "tui", "fake-idp", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (url, proc.stderr and proc.stderr.read())
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_prints_url_serves_and_stops_on_signal(sig: signal.Signals) -> None:
    with running("--client", "cli-app:cli-secret-1", "--client", "cli-pub::public",
                 "--auto-approve", "0", "--fault", "503:2",
                 "--access-token-lifetime", "600") as (proc, url):
        token_url = f"{url}/contoso.example/oauth2/v2.0/token"
        with httpx.Client() as http:
            assert http.post(token_url, data={}).status_code == 503
            assert http.post(token_url, data={}).status_code == 503
            r = http.post(f"{url}/contoso.example/oauth2/v2.0/devicecode",
                          data={"client_id": "cli-pub", "scope": "User.Read"})
            r = http.post(token_url, data={
                "client_id": "cli-pub", "device_code": r.json()["device_code"],
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code"})
            assert r.status_code == 200 and r.json()["expires_in"] == 600
            assert http.get(f"{url}/_fake/stats").json()["faults"] == {"503": 2}
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert "stopped" in err and "cli-app (confidential)" in err
        assert "cli-secret-1" not in out + err


def test_microsoft_options() -> None:
    with running("--client", "cli-pub::public", "--auto-approve", "0",
                 "--access-token-lifetime", "7200-7300", "--numbers-as-strings",
                 "--device-code-policy", "block", "--expired-device-code", "70020",
                 "--local-device-page", "--fault", "mfa_required:1") as (proc, url):
        base = f"{url}/contoso.example/oauth2/v2.0"
        with httpx.Client() as http:
            dev = http.post(f"{base}/devicecode", data={"client_id": "cli-pub",
                                                        "scope": "User.Read"}).json()
            assert dev["verification_uri"] == f"{url}/devicelogin" and dev["interval"] == "5"
            poll = {"client_id": "cli-pub", "device_code": dev["device_code"],
                    "grant_type": "urn:ietf:params:oauth:grant-type:device_code"}
            assert http.post(f"{base}/token", data=poll).json()["error_codes"] == [53003]
            jwks = http.get(f"{url}/common/discovery/v2.0/keys").json()
            assert jwks["keys"][0]["kty"] == "RSA"
            faults = http.get(f"{url}/_fake/faults").json()["faults"]
            assert faults == [{"fault": "mfa_required", "count": 1, "fraction": None}]
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_fraction_fault_and_explicit_port() -> None:
    with socket_port() as port, running("--port", str(port), "--fault", "429:1.0") as (proc, url):
        assert url == f"http://127.0.0.1:{port}"
        r = httpx.post(f"{url}/common/oauth2/v2.0/token", data={})
        assert r.status_code == 429
        proc.terminate()
        assert proc.wait(timeout=10) == 0


@contextmanager
def socket_port() -> Iterator[int]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port


@pytest.mark.parametrize("args", [["--client", "no-secret"], ["--client", "id:"],
                                  ["--host", "0.0.0.0"], ["--fault", "teapot"],
                                  ["--fault", "503:0"], ["--fault", "503:1.5"],
                                  ["--access-token-lifetime", "0"],
                                  ["--access-token-lifetime", "90-60"],
                                  ["--device-code-policy", "maybe"],
                                  ["--expired-device-code", "70018"]])
def test_bad_options_exit_2(args: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "tui", "fake-idp", *args], cwd=ROOT,
                       capture_output=True, text=True, timeout=20,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("exo-oauth: ") and "Traceback" not in r.stderr


def test_parsers() -> None:
    from tui.commands.fakeidp import parse_client, parse_fault, parse_lifetime

    assert parse_client("id:se:cret") == ("id", "se:cret")
    assert parse_client("id::public") == ("id", None)
    assert parse_fault("drop") == ("drop", 1, None)
    assert parse_fault("503:3") == ("503", 3, None)
    assert parse_fault("html:0.25") == ("html", 1, 0.25)
    assert parse_fault("ca_blocked:1.0") == ("ca_blocked", 1, 1.0)
    assert parse_lifetime("600") == 600 and parse_lifetime("3600-5400") == (3600, 5400)
