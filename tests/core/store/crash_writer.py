"""Child-process side of test_crash.py (not a test module).

``kill-loop CONFIG ROUNDS``: fork a writer that saves in a loop, SIGKILL it while
a save is under way, check the file, repeat; print a JSON report.
``edits CONFIG LABEL COUNT``: wait for "go" on stdin, then make COUNT edits to one
account, each adding a row; used by the parallel-writers test.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import tomllib
from dataclasses import replace
from pathlib import Path

from tui.core.model import Account, ParamRow, TokenState
from tui.core.store import fileio
from tui.core.store.account_store import AccountStore

BASE = 5


def writer(cfg: str, round_no: int, notify: int, pause: str | None, pause_at: int) -> None:
    """Runs in the forked child until killed: every kind of save, over and over.

    Each save announces itself on ``notify`` (the parent then kills a random
    moment later). With ``pause``, save number ``pause_at`` stops for good right
    after that stage ("fsync": temp file written, not yet renamed; "replace":
    renamed, folder not yet synced), so some kills hit those exact states.
    """
    real_write, real_fsync, real_replace = fileio.atomic_write, os.fsync, os.replace
    saves = 0

    def stop_here() -> None:
        os.write(notify, b"p")
        while True:
            time.sleep(60)

    def announced(path: object, data: bytes, mode: int = 0o600, **kw: bool) -> None:
        nonlocal saves
        if kw.get("durable", True):  # not the disposable caches and index
            saves += 1
            os.write(notify, b"w")
        real_write(path, data, mode, **kw)  # type: ignore[arg-type]

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if pause == "fsync" and saves == pause_at:
            stop_here()

    def replace_(src: str, dst: str) -> None:
        real_replace(src, dst)
        if pause == "replace" and saves == pause_at:
            stop_here()

    fileio.atomic_write = announced  # type: ignore[assignment]
    os.fsync, os.replace = fsync, replace_  # type: ignore[assignment]
    store = AccountStore(cfg)
    rng = random.Random(round_no)
    i = 0
    while True:
        k = rng.randrange(BASE)
        labels = store.labels()
        label = next(lb for lb in labels if lb.startswith(f"base-{k}"))
        acct = store.get(label)
        choice = i % 4
        if choice == 0:
            store.update(replace(acct, client_id=f"c-{round_no}-{i}"))
        elif choice == 1:  # rename back and forth (the token file stays, named by id)
            new = f"base-{k}" if label.endswith("-r") else f"base-{k}-r"
            store.update(replace(acct, label=new))
        elif choice == 2:
            extra = store.add(Account(label=f"extra-{round_no}-{i}", client_id="x",
                                      client_secret="extra-secret"))
            store.delete(extra.id)
        else:
            state = store.token_state(acct)
            store.save_token_state(replace(state, access_token=f"AT-{k}-{i}"))
        i += 1


def check(cfg: str, base_ids: set[str]) -> None:
    tomllib.loads(Path(cfg).read_text())  # parses
    accounts = AccountStore(cfg).load_all()  # and every sealed value opens
    by_id = {a.id: (a, s) for a, s in accounts}
    missing = base_ids - set(by_id)
    if missing:
        raise SystemExit(f"accounts lost: {missing}")
    for account_id in base_ids:
        account, state = by_id[account_id]
        if not state.refresh_token.startswith("RT-"):
            raise SystemExit(f"tokens of {account.label} lost")


def kill_loop(cfg: str, rounds: int) -> None:
    import tomlkit  # noqa: F401 - loaded once here, not in every forked writer

    base_ids = {a.id for a in AccountStore(cfg).load()}
    left_temp = paused_before_rename = 0
    for round_no in range(rounds):
        pause = (None, "fsync", "replace")[round_no % 3]
        pause_at = random.randrange(1, 4)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                writer(cfg, round_no, write_end, pause, pause_at)
            finally:
                os._exit(1)
        os.close(write_end)
        if pause:  # wait until the writer sits in the chosen state
            while (got := os.read(read_end, 1)) != b"p":
                if not got:
                    raise SystemExit("writer died on its own")
            paused_before_rename += pause == "fsync"
        else:  # let a save or two start, then kill a random moment into one
            for _ in range(random.randrange(1, 3)):
                if not os.read(read_end, 1):
                    raise SystemExit("writer died on its own")
            end = time.perf_counter() + random.uniform(0, 0.001)
            while time.perf_counter() < end:
                pass
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(read_end)
        if not os.WIFSIGNALED(status):
            raise SystemExit("writer exited instead of being killed")
        folder = Path(cfg).parent
        state_tokens = Path(os.environ["XDG_STATE_HOME"]) / "exo-oauth" / "tokens"
        temps = [p for d in (folder, state_tokens) if d.exists() for p in d.iterdir()
                 if p.name.endswith(fileio.TEMP_SUFFIX)]
        left_temp += bool(temps)
        check(cfg, base_ids)
    print(json.dumps({"rounds": rounds, "rounds_with_half_written_temp": left_temp,
                      "rounds_killed_before_rename": paused_before_rename}))


def seed(cfg: str) -> None:
    store = AccountStore(cfg)
    for k in range(BASE):
        a = store.add(Account(label=f"base-{k}", client_id=f"client-{k}",
                              client_secret=f"secret-{k}"))
        store.save_token_state(TokenState(a.id, a.label, f"AT-{k}", f"RT-{k}", 2e9))


def edits(cfg: str, label: str, count: int) -> None:
    store = AccountStore(cfg)
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(count):
        acct = store.get(label)
        store.update(replace(acct, token_params=(*acct.token_params,
                                                 ParamRow(f"edit-{i}", label))))
    print("done", flush=True)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "seed":
        seed(sys.argv[2])
    elif cmd == "kill-loop":
        kill_loop(sys.argv[2], int(sys.argv[3]))
    elif cmd == "edits":
        edits(sys.argv[2], sys.argv[3], int(sys.argv[4]))
