"""The benchmark: every figure of DESIGN.md's budget table, with its baseline, in one run.

Numbers are wall-clock medians of whole processes (what a user or a mail client
feels), measured after a warm-up, with the baseline measured in the same run so
the ratios hold on a noisy machine.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import fixtures

PY = sys.executable
_BIN = Path(PY).parent / "exo-oauth"
# The installed console script is what mail clients run; fall back to -m when absent.
EXO = [str(_BIN)] if _BIN.exists() else [PY, "-m", "tui"]


@dataclass
class Figure:
    name: str
    budget: str
    samples: list[float]
    baseline: float | None = None  # seconds; ratio = median / baseline
    limit: float | None = None  # pass if (ratio if baseline else median) <= limit
    note: str = ""
    unit: str = "ms"
    # Runs paired back to back with the baseline's: the ratio is then the median of the
    # per-pair ratios, which a machine that speeds up or slows down mid-run cannot skew.
    pair_ratios: list[float] | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def ratio(self) -> float | None:
        if self.pair_ratios:
            return statistics.median(self.pair_ratios)
        return self.median / self.baseline if self.baseline else None

    @property
    def passed(self) -> bool | None:
        if self.limit is None:
            return None
        value = self.ratio if self.baseline else self.median
        return value is not None and value <= self.limit


def timed(cmd: list[str], env: dict[str, str], runs: int, warmup: int = 2,
          expect: int = 0) -> list[float]:
    out = []
    for i in range(warmup + runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, check=False)
        elapsed = time.perf_counter() - t0
        if proc.returncode != expect:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: "
                               f"{proc.stderr.decode()[-500:]}")
        if i >= warmup:
            out.append(elapsed)
    return out


# Each measured child writes its own peak RSS (VmHWM, KiB) to this file at exit. The
# parent cannot learn it from wait4/getrusage: on Linux a child's ru_maxrss starts from
# the forking process's high-water mark, so every child would read as big as the bench.
_PEAK_ENV = "EXO_BENCH_PEAK_FILE"
_PEAK_PRELUDE = f"""
def _bench_report_peak():
    import os
    with open('/proc/self/status', encoding='ascii') as status:
        line = next(row for row in status if row.startswith('VmHWM:'))
    with open(os.environ[{_PEAK_ENV!r}], 'w', encoding='ascii') as out:
        out.write(line.split()[1])
__import__('atexit').register(_bench_report_peak)
"""


def reporting_peak(cmd: list[str]) -> list[str]:
    """``cmd`` as a Python process that reports its own peak RSS when it exits: code run
    with ``-c`` gets a prelude; a console script or ``-m tui`` is run through runpy."""
    if cmd[:2] == [PY, "-c"]:
        return [PY, "-c", _PEAK_PRELUDE + cmd[2], *cmd[3:]]
    if cmd[:3] == [PY, "-m", "tui"]:
        runner, args = "runpy.run_module('tui', run_name='__main__', alter_sys=True)", cmd[3:]
    else:
        runner = f"sys.argv[0] = {cmd[0]!r}; runpy.run_path({cmd[0]!r}, run_name='__main__')"
        args = cmd[1:]
    return [PY, "-c", _PEAK_PRELUDE + f"import runpy, sys\n{runner}\n", *args]


def child_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and the child's own peak RSS (KiB) of one Python child process."""
    out, peak = _run_reporting_peak(cmd, env)
    return out[0], peak


def _run_reporting_peak(cmd: list[str], env: dict[str, str]) -> tuple[tuple[float, bytes], int]:
    with tempfile.NamedTemporaryFile(prefix="exo-oauth-peak-", delete=False) as fh:
        peak_file = Path(fh.name)
    try:
        t0 = time.perf_counter()
        proc = subprocess.run(reporting_peak(cmd), env={**env, _PEAK_ENV: str(peak_file)},
                              capture_output=True, check=False)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)[:200]} exited {proc.returncode}: "
                               f"{proc.stderr.decode()[-800:]}")
        reported = peak_file.read_text(encoding="ascii")
        if not reported:
            raise RuntimeError(f"{' '.join(cmd)[:200]} did not report its peak memory")
        return (elapsed, proc.stdout), int(reported)
    finally:
        peak_file.unlink(missing_ok=True)


# -- token -----------------------------------------------------------------------------
_EDIT_ANOTHER = """
import sys
from dataclasses import replace
from tui.core.store.account_store import AccountStore
store = AccountStore(sys.argv[1])
account = store.get(sys.argv[2])
store.update(replace(account, redirect_uri="http://localhost:" + sys.argv[3]))
"""


def token_figures(root: Path, runs: int, big: int) -> list[Figure]:
    """The commands run in rounds (pass, 1 account, many, many right after an edit of another
    account, many while locked), so each ratio comes from neighbours in time, not from
    blocks measured seconds apart."""
    env = fixtures.env_for(root / "one")
    with _env(env):
        fixtures.build(root / "one" / "config" / "exo-oauth" / "accounts.toml", 1)
    env_big = fixtures.env_for(root / "big")
    with _env(env_big):
        big_cfg = root / "big" / "config" / "exo-oauth" / "accounts.toml"
        fixtures.build(big_cfg, big)
    label = f"acct-{big - 1:05d}"  # the last one: no early exit helps it
    held = f"acct-{big - 2:05d}"  # its neighbour's lock is held throughout
    edited = f"acct-{big // 2:05d}"  # edited before each "after an edit" run
    commands = {"pass": ([PY, "-c", "pass"], env), "one": ([*EXO, "token", "acct-00000"], env),
                "many": ([*EXO, "token", label], env_big),
                "edited": ([*EXO, "token", label], env_big),
                "locked": ([*EXO, "token", held], env_big)}
    times: dict[str, list[float]] = {name: [] for name in commands}
    with _lock_held(env_big, big_cfg, held):
        for i in range(2 + runs):  # two warm-up rounds
            for name, (cmd, cmd_env) in commands.items():
                if name == "edited":
                    subprocess.run([PY, "-c", _EDIT_ANOTHER, str(big_cfg), edited,
                                    str(9000 + i)], env=env_big, check=True)
                sample = timed(cmd, cmd_env, 1, warmup=0)[0]
                if i >= 2:
                    times[name].append(sample)

    def per_round(name: str, base: str) -> list[float]:
        return [a / b for a, b in zip(times[name], times[base], strict=True)]

    py_pass = Figure("python -c pass", "baseline", times["pass"])
    one = statistics.median(times["one"])
    return [
        py_pass,
        Figure("token, valid, 1 account", "<= 3.2x python -c pass", times["one"],
               py_pass.median, 3.2, pair_ratios=per_round("one", "pass")),
        Figure(f"token, valid, {big:,} accounts", "<= 1.1x the 1-account figure", times["many"],
               one, 1.1, pair_ratios=per_round("many", "one")),
        Figure(f"token, {big:,} accounts, right after an edit of another",
               "<= 1.1x the 1-account figure", times["edited"], one, 1.1,
               pair_ratios=per_round("edited", "one")),
        Figure(f"token while another process holds the lock ({big:,})",
               "<= 1.1x the 1-account figure", times["locked"], one, 1.1,
               pair_ratios=per_round("locked", "one"),
               note="a valid token never waits for a refresh in progress; token ratios are "
                    "medians of per-round ratios"),
    ]


@contextlib.contextmanager
def _lock_held(env: dict[str, str], config: Path, label: str) -> Iterator[None]:
    """Another process holding one account's refresh lock for as long as the block runs."""
    holder = textwrap.dedent(f"""
        import sys, time
        from tui.core.store.account_store import AccountStore
        store = AccountStore({str(config)!r})
        account = store.get({label!r})
        with store.token_lock(account):
            print("held", flush=True)
            time.sleep(600)
    """)
    proc = subprocess.Popen([PY, "-c", holder], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "held":
            raise RuntimeError(f"lock holder failed: {proc.stderr.read() if proc.stderr else ''}")
        yield
    finally:
        proc.kill()
        proc.wait()


class _env:
    """Temporarily point this process's XDG folders at a fixture root."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env, self.saved = env, dict(os.environ)

    def __enter__(self) -> None:
        os.environ.clear()
        os.environ.update(self.env)

    def __exit__(self, *exc: object) -> None:
        os.environ.clear()
        os.environ.update(self.saved)


# -- TUI start ---------------------------------------------------------------------------
_WAIT_FOR_ROWS = """
async def auto(pilot):
    from textual.widgets import DataTable
    while True:
        tables = list(pilot.app.screen.query(DataTable))
        if tables and tables[0].row_count >= {rows}:
            break
        await pilot.pause(0.002)
    await pilot.pause()
    pilot.app.exit()
"""

_BARE_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Bare(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Label", "Tenant", "Client ID", "Type", "Status", "Auto-refresh")
        for i in range({rows}):
            table.add_row(f"acct-{{i:05d}}", "contoso.example", "11111111-2222...",
                          "confidential", "Valid, expires in 52 min", "off")

Bare().run(headless=True, size=(100, 30), auto_pilot=auto)
"""

_OUR_APP = """
import sys
from tui.app import make_app
make_app(config_path=sys.argv[1]).run(headless=True, size=(100, 30), auto_pilot=auto)
"""


def tui_figures(root: Path, runs: int, rows: int) -> list[Figure]:
    env = fixtures.env_for(root / f"tui-{rows}")
    config = root / f"tui-{rows}" / "config" / "exo-oauth" / "accounts.toml"
    with _env(env):
        fixtures.build(config, rows)
    wait = _WAIT_FOR_ROWS.format(rows=rows)
    bare_cmd = [PY, "-c", wait + _BARE_APP.format(rows=rows)]
    ours_cmd = [PY, "-c", wait + _OUR_APP, str(config)]
    bare_t, ours_t, bare_m, ours_m = [], [], [], []
    for i in range(runs + 1):  # interleaved, first pair is the warm-up
        bt, bm = child_rss(bare_cmd, env)
        ot, om = child_rss(ours_cmd, env)
        if i:
            bare_t.append(bt)
            ours_t.append(ot)
            bare_m.append(bm)
            ours_m.append(om)
    base = Figure(f"bare Textual app, {rows}-row DataTable", "baseline", bare_t)
    mem_base = Figure("bare Textual app, peak RSS", "baseline", [m / 1024 for m in bare_m],
                      unit="MiB")
    return [
        base,
        Figure(f"TUI start to painted list, {rows} accounts", "<= 1.3x bare", ours_t,
               base.median, 1.3, pair_ratios=[o / b for o, b in zip(ours_t, bare_t,
                                                                     strict=True)],
               note=f"ratio: median of {runs} back-to-back pairs (median/median: "
                    f"{statistics.median(ours_t) / base.median:.2f}x)"),
        mem_base,
        Figure("TUI peak RSS", "<= 1.5x bare", [m / 1024 for m in ours_m], mem_base.median,
               1.5, unit="MiB"),
    ]


# -- list and save -----------------------------------------------------------------------
def list_figures(root: Path, runs: int, count: int) -> list[Figure]:
    """`exo-oauth list` as a whole process, in rounds with `python -c pass`."""
    env = fixtures.env_for(root / f"list-{count}")
    with _env(env):
        fixtures.build(root / f"list-{count}" / "config" / "exo-oauth" / "accounts.toml", count)
    pass_t, list_t, list_m = [], [], []
    for i in range(2 + runs):
        p = timed([PY, "-c", "pass"], env, 1, warmup=0)[0]
        t = timed([*EXO, "list"], env, 1, warmup=0)[0]  # as run, without the runpy wrapper
        m = child_rss([*EXO, "list"], env)[1]
        if i >= 2:
            pass_t.append(p)
            list_t.append(t)
            list_m.append(m / 1024)
    ratio = statistics.median(t / p for t, p in zip(list_t, pass_t, strict=True))
    return [Figure(f"list, {count:,} accounts", "<= 150 ms", list_t, None, 0.150,
                   note=f"{ratio:.2f}x python -c pass in the same rounds (median "
                        f"{statistics.median(pass_t) * 1000:.1f} ms), "
                        f"{statistics.median(list_m):.1f} MiB peak")]


_SAVE_ONE = """
import sys, time
from dataclasses import replace
from tui.core.store.account_store import AccountStore
t0 = time.perf_counter()
store = AccountStore(sys.argv[1])
account = store.get(sys.argv[2])
store.update(replace(account, redirect_uri="http://localhost:" + sys.argv[3]), expected=account)
print(time.perf_counter() - t0)
"""


def save_figures(root: Path, runs: int, count: int) -> list[Figure]:
    """Saving one account (read it, change it, write the file) in a process of its own,
    so its peak memory is the save's; the time is taken inside, without Python's start."""
    env = fixtures.env_for(root / f"save-{count}")
    config = root / f"save-{count}" / "config" / "exo-oauth" / "accounts.toml"
    with _env(env):
        fixtures.build(config, count)
    saves, peaks, pass_t = [], [], []
    for i in range(2 + runs):
        p = timed([PY, "-c", "pass"], env, 1, warmup=0)[0]
        t, peak = save_once(config, env, f"acct-{count // 2:05d}", 8400 + i)
        if i >= 2:
            saves.append(t)
            peaks.append(peak / 1024)
            pass_t.append(p)
    ratio = statistics.median(t / p for t, p in zip(saves, pass_t, strict=True))
    return [
        Figure(f"save one account of {count:,}", "<= 150 ms", saves, None, 0.150,
               note=f"{ratio:.2f}x python -c pass in the same rounds (median "
                    f"{statistics.median(pass_t) * 1000:.1f} ms): the load of the machine"),
        Figure(f"save one account of {count:,}, peak RSS", "<= 60 MiB", peaks, None, 60,
               unit="MiB"),
    ]


def save_once(config: Path, env: dict[str, str], label: str, port: int) -> tuple[float, int]:
    (_, out), peak = _run_reporting_peak([PY, "-c", _SAVE_ONE, str(config), label, str(port)],
                                         env)
    return float(out), peak


# -- growth curves ----------------------------------------------------------------------
@dataclass
class Curve:
    """One operation measured at several sizes; ``ratios`` are to the smallest size."""

    name: str
    sizes: list[int]
    medians: list[float]
    unit: str = "ms"

    @property
    def ratios(self) -> list[float]:
        return [m / self.medians[0] for m in self.medians]


def curves(root: Path, runs: int, sizes: list[int], tui_sizes: list[int]) -> list[Curve]:
    token, listing, save = [], [], []
    for n in sizes:
        env = fixtures.env_for(root / f"curve-{n}")
        config = root / f"curve-{n}" / "config" / "exo-oauth" / "accounts.toml"
        with _env(env):
            fixtures.build(config, n)
        label = f"acct-{n - 1:05d}"
        token.append(statistics.median(timed([*EXO, "token", label], env, runs)))
        listing.append(statistics.median(timed([*EXO, "list"], env, runs)))
        save.append(statistics.median(
            [save_once(config, env, label, 8400 + i)[0] for i in range(runs)]))
    tui = []
    for n in tui_sizes:
        env = fixtures.env_for(root / f"curve-tui-{n}")
        config = root / f"curve-tui-{n}" / "config" / "exo-oauth" / "accounts.toml"
        with _env(env):
            fixtures.build(config, n)
        cmd = [PY, "-c", _WAIT_FOR_ROWS.format(rows=n) + _OUR_APP, str(config)]
        tui.append(statistics.median([child_rss(cmd, env)[0] for _ in range(runs)]))
    return [Curve("token (valid)", sizes, token), Curve("list", sizes, listing),
            Curve("save one account (in-process)", sizes, save),
            Curve("TUI start to painted list", tui_sizes, tui)]


# -- refresh --all ------------------------------------------------------------------------
def _mint_refresh_tokens(idp: object, client_id: str, secret: str, count: int) -> list[str]:
    """Real authorization-code sign-ins against the fake, one refresh token per account."""
    import httpx

    from tui.core.model import GRAPH_SCOPES
    from tui.fakeidp.signin import sign_in

    with httpx.Client(timeout=30) as client:
        return [sign_in(idp.authorize_url(), idp.token_url(),  # type: ignore[attr-defined]
                        client_id, secret, GRAPH_SCOPES, client=client)["refresh_token"]
                for _ in range(count)]


def refresh_figures(root: Path, count: int, sample: int, latency_ms: int, runs: int
                    ) -> list[Figure]:
    """Each run refreshes every account again (``refresh --all`` does not skip valid
    tokens), so one fixture serves the warm-up and the measured runs."""
    from tui.core.store import token_format
    from tui.core.store.account_store import AccountStore
    from tui.fakeidp import FakeIdP

    secret = fixtures.SECRET
    with FakeIdP(clients={fixtures.CLIENT_ID: secret}, auto_approve=0) as idp:
        results: dict[str, list[float]] = {}
        for name, n, conc, times in (("all", count, 16, runs), ("one-by-one", sample, 1, 1)):
            env = fixtures.env_for(root / f"refresh-{name}")
            config = root / f"refresh-{name}" / "config" / "exo-oauth" / "accounts.toml"
            with _env(env):
                accounts = fixtures.build(config, n, token_url=idp.token_url(),
                                          authorize_url=idp.authorize_url(),
                                          with_tokens=False)
                store = AccountStore(config)
                sealer = store.sealer
                idp.latency_ms = 0
                for account, rt in zip(accounts, _mint_refresh_tokens(
                        idp, fixtures.CLIENT_ID, secret, n), strict=True):
                    from tui.core.model import TokenState

                    state = TokenState(account_id=account.id, label=account.label,
                                       refresh_token=rt, expires_at=time.time() - 10)
                    token_format.write_token_state(token_format.token_path(
                        store.state_dir, config, account.id), state, sealer)
            idp.latency_ms = latency_ms
            results[name] = []
            for i in range(1 + times):  # the first run is the warm-up
                idp.reset_stats()
                t0 = time.perf_counter()
                proc = subprocess.run([*EXO, "refresh", "--all", "--concurrency", str(conc)],
                                      env=env, capture_output=True, text=True, check=False)
                elapsed = time.perf_counter() - t0
                if proc.returncode != 0:
                    raise RuntimeError(f"refresh --all failed ({proc.returncode}): "
                                       f"{proc.stderr[-800:]}")
                refreshed = idp.stats()["issued"]["refresh_token"]
                if refreshed != n:
                    raise RuntimeError(f"expected {n} refreshes at the fake, saw {refreshed}")
                if i:
                    results[name].append(elapsed)
        floor = [_bare_client_run(idp.token_url(), count) for _ in range(runs)]
    one_by_one = statistics.median(results["one-by-one"])
    ideal = count * latency_ms / 1000 / 16
    return [
        Figure(f"refresh --all, {count} accounts @ {latency_ms} ms, concurrency 16",
               f"<= 1.2x the ideal {ideal:.3g} s", results["all"], ideal, 1.2, unit="s"),
        Figure(f"same number of token requests from a bare httpx script, {count}",
               "(the floor: no store)", floor, ideal, None, unit="s",
               note="python and httpx start-up, then as many POSTs to the same fake at the "
                    "same latency, 16 at a time (refused grants: less work for the fake)"),
        Figure(f"same one by one (measured {sample}, scaled x{count // sample})",
               "(>= 50 s expected)", [one_by_one * count / sample], None, None, unit="s",
               note=f"{one_by_one:.2f} s for {sample} accounts"),
    ]


_BARE_REFRESH = """
import asyncio, sys
sys.modules.setdefault("httpx._main", None)  # as exo-oauth does (tui/core/oauth)
import httpx

async def main(url, count):
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient() as client:
        async def one():
            async with gate:
                await client.post(url, data={"grant_type": "refresh_token",
                                             "refresh_token": "not-issued", "client_id": "x"})
        await asyncio.gather(*(one() for _ in range(count)))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def _bare_client_run(token_url: str, count: int) -> float:
    """Wall seconds of a process that only sends ``count`` token requests, 16 at a time."""
    t0 = time.perf_counter()
    subprocess.run([PY, "-c", _BARE_REFRESH, token_url, str(count)], check=True,
                   capture_output=True)
    return time.perf_counter() - t0


def byte_compile() -> None:
    """Compile exo-oauth's modules first, as ``pip install`` does: in an editable checkout
    with PYTHONDONTWRITEBYTECODE set, every measured process would otherwise compile
    the package's source again, which no installed copy does."""
    import compileall

    import tui

    compileall.compile_dir(Path(tui.__file__).parent, quiet=1)


def _proxy_figures(root: Path, quick: bool, out: Callable[[str], None]) -> list[Figure]:
    from .proxy_bench import proxy_figures  # needs this module: imported when used

    return proxy_figures(root, quick, out)


def run(quick: bool, only: set[str] | None, out: Callable[[str], None] = print
        ) -> tuple[list[Figure], list[Curve]]:
    runs = 3 if quick else 10
    figures: list[Figure] = []
    found: list[Curve] = []
    byte_compile()
    with tempfile.TemporaryDirectory(prefix="exo-oauth-perf-") as tmp:
        root = Path(tmp)
        plan: list[tuple[str, Callable[[], list[Figure]]]] = [
            ("token", lambda: token_figures(root, runs, 1_000 if quick else 10_000)),
            ("list", lambda: list_figures(root, runs, 500 if quick else 5_000)),
            ("tui", lambda: [*tui_figures(root, 3 if quick else 15, 200),
                             *tui_figures(root, 2 if quick else 9, 500 if quick else 5_000)]),
            ("store", lambda: save_figures(root, runs, 1_000 if quick else 10_000)),
            ("refresh", lambda: refresh_figures(root, 40 if quick else 500,
                                                8 if quick else 20, 100, 1 if quick else 5)),
            ("proxy", lambda: _proxy_figures(root, quick, out)),
        ]
        for key, make in plan:
            if only and key not in only:
                continue
            out(f"measuring {key} ...")
            figures += make()
        if not only or "curves" in only:
            out("measuring growth curves ...")
            found = curves(root, 2 if quick else 5,
                           [1, 10, 100] if quick else [1, 100, 1_000, 10_000],
                           [10, 50] if quick else [10, 200, 1_000, 5_000])
    return figures, found
