"""A tenant that refuses device code sign-in: the CLI says so and gives the exact commands; the
account remembers the method that worked and offers it next time."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from tests.helpers import MovableClock, child_env, exo, fake_account, final_location, run
from tui.core.oauth.service import OAuthService
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP


def linked(monkeypatch: pytest.MonkeyPatch, idp: FakeIdP) -> None:
    monkeypatch.setattr("tui.commands.common.make_service",
                        lambda: OAuthService(clock=MovableClock.linked(idp)))


@pytest.mark.parametrize(("policy", "code"), [("block", "AADSTS53003"),
                                              ("block_silently", "device code expired")])
def test_device_code_refused_by_policy_offers_the_other_ways(
        store: AccountStore, config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], policy: str, code: str) -> None:
    with FakeIdP(retry_after=0, auto_approve=7, device_code_policy=policy,
                 expired_device_code=70020, device_code_lifetime=60) as idp:
        store.add(fake_account(idp, public=True))
        linked(monkeypatch, idp)
        assert run(config, "authorize", "work") == 4  # still needs a sign-in
        err = capsys.readouterr().err
        assert code in err  # a silent refusal only shows as a code that ran out
        assert "exo-oauth authorize work --method paste" in err
        assert "exo-oauth authorize work --method loopback" in err
        if policy == "block":
            assert "Conditional Access does not allow signing in with a device code" in err
        else:
            assert "refused the code, your organisation blocks device code" in err
        assert not store.token_state(store.get("work")).access_token
        assert store.get("work").sign_in_method == ""  # nothing worked yet


def test_the_method_that_worked_is_remembered_and_offered(idp: FakeIdP, store: AccountStore,
                                                          config: Path) -> None:
    store.add(fake_account(idp))
    text = config.read_text()
    assert "sign_in_method" not in text  # a new account carries no empty key

    def paste_sign_in(*args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.Popen(exo("--config", str(config), "authorize", "work", *args),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=child_env())
        assert proc.stderr is not None
        url = next(line.strip() for line in proc.stderr if line.startswith("http"))
        location = asyncio.run(final_location(url))
        out, err = proc.communicate(location + "\n", timeout=30)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    done = paste_sign_in("--method", "paste")
    assert done.returncode == 0, done.stderr
    assert store.get("work").sign_in_method == "paste"
    assert "sign_in_method = 'paste'" in config.read_text()
    again = paste_sign_in()  # no --method: the remembered one, not device
    assert again.returncode == 0, again.stderr
    assert "To sign in, open" not in again.stderr  # no device code was asked for
    assert idp.stats()["endpoints"]["devicecode"] == 0

