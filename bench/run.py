"""Throughput benchmark of Tsunagu under granian (``make bench``; see bench/README.md).

Sets up a fresh instance in a temporary TSUNAGU_VAR_DIR (SQLite, or DATABASE_URL when
set), starts granian with two WSGI workers, prepares logged-in residents and filled
drafts of 児童手当 認定請求 through the real pages, and drives three scenarios with wrk
at 32 concurrent connections:

  hello-world   GET /healthz                        the floor: no database, no template
  form page     GET a step page of a filled draft   session, draft, definition, template
  submission    POST 申請する on the check page      full validation, 受付番号, outbox,
                                                    audit, task enqueued

It prints requests, req/s, p50/p95/p99 latency and errors per scenario, the ratios to
hello-world with the issue's targets, and the SQL queries of a form page and of a
submission, and writes bench/results/latest.json. Figures only: it never fails on timing.

Environment (all optional):
  TSUNAGU_BENCH_DURATION=10    seconds measured per scenario
  TSUNAGU_BENCH_WARMUP=2       seconds of unmeasured load before each
  TSUNAGU_BENCH_CONNECTIONS=32 concurrent connections
  TSUNAGU_BENCH_WORKERS=2      granian workers
  TSUNAGU_BENCH_THREADS=2      wrk threads
  TSUNAGU_BENCH_SESSIONS=32    logged-in sessions (spread over the four demo residents)
  TSUNAGU_BENCH_DRAFTS=0       drafts for the measured submissions (0: from the warm-up)
  TSUNAGU_BENCH_KEEP=0         1 keeps the temporary directory (database, logs)
  TSUNAGU_BENCH_GRANIAN_ARGS   granian options; default "--blocking-threads 4", the
                               setting `make run` ships with
  DATABASE_URL                 a scratch PostgreSQL database instead of SQLite
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import prepare
import yasashii as yasashii_bench  # the easy-Japanese engine's figures (bench/yasashii.py)

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BIN = Path(sys.prefix) / "bin"
LUA = BENCH / "load.lua"
RESULTS = BENCH / "results"

TARGET_FORM = 0.20  # form page ≥ 20 % of the hello-world rate
TARGET_SUBMIT = 0.10  # submission ≥ 10 % of it ...
TARGET_SUBMIT_P95_MS = 50.0  # ... with p95 ≤ 50 ms


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


@dataclass(frozen=True)
class Config:
    duration: int = _env_int("TSUNAGU_BENCH_DURATION", 10)
    warmup: int = _env_int("TSUNAGU_BENCH_WARMUP", 2)
    connections: int = _env_int("TSUNAGU_BENCH_CONNECTIONS", 32)
    workers: int = _env_int("TSUNAGU_BENCH_WORKERS", 2)
    threads: int = _env_int("TSUNAGU_BENCH_THREADS", 2)
    sessions: int = _env_int("TSUNAGU_BENCH_SESSIONS", 32)
    drafts: int = _env_int("TSUNAGU_BENCH_DRAFTS", 0)
    keep: bool = os.environ.get("TSUNAGU_BENCH_KEEP", "") not in {"", "0"}
    granian_args: tuple[str, ...] = tuple(
        os.environ.get("TSUNAGU_BENCH_GRANIAN_ARGS", "--blocking-threads 4").split()
    )


@dataclass
class Result:
    name: str
    label: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    cpu_ms: float  # granian's CPU time per request (all workers)
    cores: float  # granian's CPU time / wall time: how many CPUs the server kept busy
    wrk_cores: float  # the same for wrk
    other_cores: float  # the same for every other process on the machine
    errors: int
    exhausted: int
    raw: dict[str, Any]


class Interrupted(Exception):
    pass


def _on_sigterm(signum: int, frame: object) -> None:
    raise Interrupted(f"signal {signum}")


# ---------------------------------------------------------------- environment


def environment(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tsunagu.settings",
            "TSUNAGU_VAR_DIR": str(var_dir),
            "TSUNAGU_DEMO_AUTH": "1",
            "TSUNAGU_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Mail goes to the task queue in the database, not inline in the request.
            "TSUNAGU_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "TSUNAGU_DEBUG": "0",
            "TSUNAGU_LOG_LEVEL": "WARNING",
        }
    )
    env.pop("PYTEST_VERSION", None)
    return env


def tsunagu(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [str(BIN / "tsunagu"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"tsunagu {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    granian = subprocess.run([str(BIN / "granian"), "--version"], capture_output=True, text=True)
    # "wrk debian/4.1.0-3+b2 [epoll] Copyright ..." -> "wrk debian/4.1.0-3+b2"
    wrk_version = " ".join((wrk.stdout or wrk.stderr).split()[:2])
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "wrk": wrk_version,
        "granian": granian.stdout.strip(),
    }


# ---------------------------------------------------------------- the server


class Server:
    """granian in its own process group, so that it and its workers stop together."""

    def __init__(self, env: dict[str, str], cfg: Config, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = log.open("wb")
        self.proc = subprocess.Popen(
            [
                str(BIN / "granian"),
                "--interface", "wsgi",
                "--workers", str(cfg.workers),
                "--host", "127.0.0.1",
                "--port", str(self.port),
                *cfg.granian_args,
                "tsunagu.wsgi:application",
            ],
            env=env,
            cwd=ROOT,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"granian exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as r:  # noqa: S310  # local URL
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"granian did not answer /healthz in {timeout} s:\n{self.tail()}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by granian and its workers (Linux /proc)."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended meanwhile
            # After the command name: state, ppid, pgrp, ..., utime (12th), stime (13th).
            if int(fields[2]) == self.proc.pid:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def tail(self, lines: int = 40) -> str:
        self._log_file.flush()
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        pgid = self.proc.pid
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue
            # The master is gone; make sure no worker of its group outlives it.
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                try:
                    os.killpg(pgid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                continue
            break
        self._log_file.close()


# ---------------------------------------------------------------- load


def children_cpu() -> float:
    """CPU time of this process's finished children (wrk runs are children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wrk(
    server: Server, cfg: Config, seconds: int, mode: str = "plain", requests: Path | None = None
) -> tuple[dict[str, Any], str]:
    """Run wrk once; the figures of load.lua's done() and wrk's own text output."""
    args = [
        "wrk",
        f"--threads={cfg.threads}",
        f"--connections={cfg.connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={LUA}",
        f"{server.base}/healthz",
        "--",
        mode,
    ]
    if requests is not None:
        args += [str(requests), str(cfg.threads)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return json.loads(line.removeprefix("BENCH_JSON ")), done.stdout


def scenario(
    name: str,
    label: str,
    server: Server,
    cfg: Config,
    mode: str = "plain",
    requests: Path | None = None,
    *,
    warm_up: bool = True,
) -> Result:
    if warm_up and cfg.warmup > 0:
        wrk(server, cfg, cfg.warmup, mode, requests)
    cpu_before, wrk_before, busy_before = server.cpu_seconds(), children_cpu(), machine_busy()
    raw, text = wrk(server, cfg, cfg.duration, mode, requests)
    cpu = server.cpu_seconds() - cpu_before
    wrk_cpu = children_cpu() - wrk_before
    others = machine_busy() - busy_before - cpu - wrk_cpu
    seconds = raw["duration_us"] / 1e6
    sockets = raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"]
    unexpected = raw["bad"] if mode != "plain" else raw["status_errors"]
    return Result(
        name=name,
        label=label,
        requests=raw["requests"],
        seconds=seconds,
        rps=raw["requests"] / seconds if seconds else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        cpu_ms=cpu * 1000 / raw["requests"] if raw["requests"] else 0.0,
        cores=cpu / seconds if seconds else 0.0,
        wrk_cores=wrk_cpu / seconds if seconds else 0.0,
        other_cores=max(0.0, others / seconds) if seconds else 0.0,
        errors=sockets + unexpected,
        exhausted=raw["exhausted"],
        raw={**raw, "wrk_output": text},
    )


# ---------------------------------------------------------------- the run


def run(cfg: Config, var_dir: Path) -> dict[str, Any]:
    # Other processes on the machine take CPU from granian and wrk: record how busy it was.
    load_before = os.getloadavg()[0]
    env = environment(var_dir)
    os.environ.update(env)
    db = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    if "DATABASE_URL" in env:
        print(f"DATABASE_URL is set: using it ({db}); it should be a scratch database.")
    started = time.monotonic()
    print(f"Setting up a fresh instance in {var_dir} ...", flush=True)
    tsunagu(env, "migrate", "--no-input", "--verbosity", "0")
    tsunagu(env, "procedures", "sync")
    tsunagu(env, "demo", "load")

    import django

    django.setup()
    from django.db import connections

    server = Server(env, cfg, var_dir / "granian.log")
    try:
        server.wait_ready()
        print(
            f"granian ready on {server.base} with {cfg.workers} workers; "
            "logging residents in and filling 児童手当 認定請求 ...",
            flush=True,
        )
        browsers = [
            prepare.login(server.port, prepare.SUBJECTS[i % len(prepare.SUBJECTS)])
            for i in range(max(cfg.sessions, len(prepare.SUBJECTS)))
        ]
        templates = {
            b_subject: prepare.draft_fill(browsers[i], b_subject)
            for i, b_subject in enumerate(prepare.SUBJECTS)
        }
        children = {s: prepare.template_verify(t) for s, t in templates.items()}
        owner = [prepare.SUBJECTS[i % len(prepare.SUBJECTS)] for i in range(len(browsers))]
        first = templates[prepare.SUBJECTS[0]]
        spare = prepare.drafts_clone(first, 2)
        queries = prepare.query_counts(browsers[0], first, spare)
        for b in browsers:
            b.close()
        connections.close_all()
        print(
            f"Prepared {len(browsers)} sessions and {len(templates)} filled drafts "
            f"({children[prepare.SUBJECTS[0]]} children each, {first.visits} pages) "
            f"in {time.monotonic() - started:.0f} s.",
            flush=True,
        )

        results: list[Result] = []
        print("Measuring hello-world ...", flush=True)
        results.append(scenario("hello", "hello-world GET /healthz", server, cfg))

        form_file = var_dir / "form.requests"
        form_file.write_text(
            prepare.request_lines(
                (
                    "GET",
                    f"/applications/{templates[s].draft_id}/steps/{templates[s].first_step}/",
                    b.cookie_header,
                    "",
                )
                for b, s in zip(browsers, owner, strict=True)
            )
        )
        print("Measuring the form step page ...", flush=True)
        results.append(
            scenario(
                "form",
                f"form page GET /steps/{first.first_step}/",
                server,
                cfg,
                "cycle",
                form_file,
            )
        )

        def drafts_file(path: Path, count: int) -> Path:
            per = -(-count // len(prepare.SUBJECTS))
            ids = {s: prepare.drafts_clone(t, per) for s, t in templates.items()}
            connections.close_all()
            rows = []
            for k in range(per * len(prepare.SUBJECTS)):
                b = browsers[k % len(browsers)]
                s = owner[k % len(browsers)]
                draft_id = ids[s].pop()
                body = prepare.submit_body(templates[s].version, b.csrf_token)
                rows.append(("POST", f"/applications/{draft_id}/sign/", b.cookie_header, body))
            path.write_text(prepare.request_lines(rows))
            return path

        # Each submission consumes one draft. How many the measured run needs follows from
        # the rate seen in the warm-up (run again with more drafts if the warm-up ran out).
        print("Measuring the submission ...", flush=True)
        warm_count = max(1000, int(results[-1].rps * max(cfg.warmup, 1) * 3))
        warm_rate = 0.0
        for _attempt in range(4):
            warm_file = drafts_file(var_dir / "submit-warm.requests", warm_count)
            raw, _text = wrk(server, cfg, max(cfg.warmup, 1), "once", warm_file)
            warm_rate = raw["requests"] / (raw["duration_us"] / 1e6)
            if not raw["exhausted"]:
                break
            warm_count *= 4
        main_count = cfg.drafts or int(warm_rate * cfg.duration * 1.6) + 1000
        main_file = drafts_file(var_dir / "submit.requests", main_count)
        before = prepare.applications_count()
        connections.close_all()
        submit = scenario(
            "submission",
            "submission POST /sign/ (2 children, signed)",
            server,
            cfg,
            "once",
            main_file,
            warm_up=False,
        )
        created = prepare.applications_count() - before
        connections.close_all()
        results.append(submit)
    except RuntimeError:
        # A page that answered 500 left its traceback in granian's log.
        print(f"granian's log ({server.log}), last lines:\n{server.tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()

    hello = results[0].rps or 1.0
    ratios = {
        "form": results[1].rps / hello,
        "submission": results[2].rps / hello,
    }
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": asdict(cfg),
        "database": db,
        "machine": {**machine(), "load_before": load_before, "load_after": os.getloadavg()[0]},
        "drafts": {"warm_up": warm_count, "measured": main_count},
        "applications_created": created,
        "queries": queries,
        "results": [asdict(r) for r in results],
        "ratios": ratios,
        "targets": {
            "form_ratio": TARGET_FORM,
            "submission_ratio": TARGET_SUBMIT,
            "submission_p95_ms": TARGET_SUBMIT_P95_MS,
        },
    }


def report(data: dict[str, Any]) -> None:
    cfg, m = data["config"], data["machine"]
    print()
    print(
        f"Tsunagu benchmark — {m['granian']}, {cfg['workers']} workers, "
        f"{cfg['connections']} connections, {cfg['duration']} s per scenario "
        f"(+{cfg['warmup']} s warm-up), {data['database']}, {m['cpus']} CPUs ({m['cpu']}), "
        f"load by {m['wrk']}"
    )
    print(
        f"Load average (1 min) before the run: {m['load_before']:.2f}, "
        f"after: {m['load_after']:.2f} (includes this benchmark)"
    )
    busiest = max(r["other_cores"] for r in data["results"])
    if busiest > 0.1 * (m["cpus"] or 1):
        print(
            f"WARNING: other processes used up to {busiest:.2f} CPUs during the measurements "
            "(column 'others'); they took CPU from granian and wrk, so these figures are lower "
            "than on a quiet machine."
        )
    header = (
        f"{'scenario':<40} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7} {'CPU ms/req':>10} {'CPUs':>5} {'wrk':>5} {'others':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in data["results"]:
        print(
            f"{r['label']:<40} {r['requests']:>9} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} "
            f"{r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['errors']:>7} {r['cpu_ms']:>10.2f} "
            f"{r['cores']:>5.2f} {r['wrk_cores']:>5.2f} {r['other_cores']:>6.2f}"
        )
    print(
        "CPU ms/req: granian's CPU time (all workers) per request. CPUs, wrk, others: CPUs kept"
        " busy by granian, by wrk and by every other process during the measured run."
    )
    submit = data["results"][2]
    ratios, targets = data["ratios"], data["targets"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print()
    print("Ratios to the hello-world rate:")
    form_ok = ratios["form"] >= targets["form_ratio"]
    print(
        f"  form page   {ratios['form'] * 100:6.1f} %   target ≥ {targets['form_ratio'] * 100:.0f} %"
        f"                  {verdict(form_ok)}"
    )
    sub_ok = (
        ratios["submission"] >= targets["submission_ratio"]
        and submit["p95_ms"] <= targets["submission_p95_ms"]
    )
    print(
        f"  submission  {ratios['submission'] * 100:6.1f} %   target ≥ "
        f"{targets['submission_ratio'] * 100:.0f} % and p95 ≤ {targets['submission_p95_ms']:.0f} ms"
        f" (p95 {submit['p95_ms']:.1f} ms)   {verdict(sub_ok)}"
    )
    print()
    q = data["queries"]
    print(f"SQL queries per request: form page {q['form_page']}, submission {q['submission']}")
    ok_submissions = submit["requests"] - submit["errors"]
    print(
        f"Submissions answered 302 → done: {ok_submissions}; applications created during the "
        f"measured run: {data['applications_created']}; drafts prepared: "
        f"{data['drafts']['measured']}"
    )
    for r in data["results"]:
        if r["exhausted"]:
            print(
                f"WARNING: {r['name']} ran out of prepared drafts ({r['exhausted']} requests "
                "went to /healthz instead): set TSUNAGU_BENCH_DRAFTS higher and run again."
            )
        if r["errors"]:
            print(f"NOTE: {r['name']} had {r['errors']} errors (see results/latest.json).")


def main() -> int:
    if "--inbox" in sys.argv[1:]:
        # Only the 1,000,000-case inbox benchmark (bench/inbox.py; other options go to it).
        return inbox_bench([a for a in sys.argv[1:] if a != "--inbox"])
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk (make bench does it).", file=sys.stderr)
        return 2
    cfg = Config()
    if cfg.connections < cfg.threads:
        print("TSUNAGU_BENCH_CONNECTIONS must be ≥ TSUNAGU_BENCH_THREADS", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _on_sigterm)
    var_dir = Path(tempfile.mkdtemp(prefix="tsunagu-bench-"))
    try:
        data = run(cfg, var_dir)
    except (KeyboardInterrupt, Interrupted):
        print("\nInterrupted: granian stopped, nothing measured.", file=sys.stderr)
        return 130
    finally:
        if cfg.keep:
            print(f"Kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    report(data)
    if os.environ.get("TSUNAGU_BENCH_INBOX", "") not in {"", "0"}:
        inbox_bench([])
    data["yasashii"] = yasashii_bench.main(write=False)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"Written {out.relative_to(ROOT)}")
    return 0


def inbox_bench(args: list[str]) -> int:
    """The inbox benchmark in its own process: it sets up Django on its own database."""
    return subprocess.run([sys.executable, str(BENCH / "inbox.py"), *args], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
