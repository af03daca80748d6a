"""The inbox at city scale: 1,000,000 cases in PostgreSQL, the inbox's common queries timed.

    .venv/bin/python bench/inbox.py            # load once (kept), then measure
    .venv/bin/python bench/inbox.py --reload   # drop and load again
    .venv/bin/python bench/run.py --inbox      # the same, through bench/run.py

Loads cases into a database of its own (``tsunagu_bench`` on the local PostgreSQL, or
``TSUNAGU_BENCH_INBOX_DB``), with COPY, once: later runs reuse it (``--reload`` starts
again; the schema is migrated on every run, so a new column does not force a reload).
The data: about 20 departments of very different sizes (a few large ones such as 市民課
and 介護保険課, many small ones), 2 to 5 procedures each, submissions spread over the last
year, statuses as a year's mix (most cases closed, about a third open), due dates from
each procedure's processing days, and applicants' names in kanji and kana from the lists
below (common family names are common, as in a real city).

Then it times, through the real selector ``casework.selectors.case_inbox`` (the page
query and its capped count, as the inbox page runs them), many repetitions of:

  department + status   one status of one department, soonest deadline first (page 1)
  open inbox            the default view: every open status, soonest deadline first
  name search (kanji)   the start of a family name (佐藤, 高橋 ...) in one department
  name search (kana)    the same in hiragana (さとう ...)
  receipt number        one exact 受付番号

and prints p50/p95/max in milliseconds per query with the issue's target (p95 ≤ 50 ms).
``--explain`` prints PostgreSQL's plan of one query of each kind. Figures only: a slow
query is reported, never a failure (exit status 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("TSUNAGU_BENCH_PG", "postgres://postgres@127.0.0.1:5432/")
DB_NAME = os.environ.get("TSUNAGU_BENCH_INBOX_DB", "tsunagu_bench")
TARGET_P95_MS = 50.0
SEED = 20261125

# (code, relative size): a few large departments, many small ones (about 20 in all).
DEPARTMENTS: tuple[tuple[str, int], ...] = (
    ("shimin", 160),
    ("kaigo_hoken", 120),
    ("kodomo_seisaku", 100),
    ("zeimu", 90),
    ("kokuho_nenkin", 80),
    ("hoiku_youchien", 60),
    ("kenko_suishin", 50),
    ("shogai_fukushi", 45),
    ("seikatsu_fukushi", 40),
    ("koureisha_fukushi", 35),
    ("kikikanri", 30),
    ("kankyo", 25),
    ("suido", 25),
    ("doboku", 20),
    ("kenchiku", 18),
    ("gakko_kyoiku", 16),
    ("shougai_gakushu", 12),
    ("nousei", 10),
    ("shoko", 8),
    ("senkyo", 6),
)
# Statuses follow the age of a case, as in a city: a case is worked on for a few weeks and
# then closed, so open cases are recent (and a few old ones linger, overdue).
CLOSED: tuple[tuple[str, int], ...] = (
    ("completed", 60),
    ("notified", 25),
    ("approved", 4),
    ("rejected", 4),
    ("withdrawn", 3),
)
OPEN_MIX: tuple[tuple[str, int], ...] = (
    ("received", 25),
    ("in_review", 35),
    ("correction", 10),
    ("corrected", 5),
    ("approving", 25),
)
LINGERING = 0.005  # share of cases older than three months still open ...
# ... in half of the departments; the others close every case on time (no backlog), which
# is the harder case for a "soonest deadline first" walk over every status.
ON_TIME = frozenset(d for i, (d, _w) in enumerate(DEPARTMENTS) if i % 2 == 0)
# Raised when the generated data changes: a kept database of another version is reloaded.
DATA_VERSION = "tsunagu-bench-inbox v3"
OPEN = ("received", "in_review", "correction", "corrected", "approving")

# Family names (kanji, reading), most common first, and given names.
FAMILY: tuple[tuple[str, str], ...] = (
    ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"),
    ("伊藤", "いとう"), ("渡辺", "わたなべ"), ("山本", "やまもと"), ("中村", "なかむら"),
    ("小林", "こばやし"), ("加藤", "かとう"), ("吉田", "よしだ"), ("山田", "やまだ"),
    ("佐々木", "ささき"), ("山口", "やまぐち"), ("松本", "まつもと"), ("井上", "いのうえ"),
    ("木村", "きむら"), ("林", "はやし"), ("斎藤", "さいとう"), ("清水", "しみず"),
    ("山崎", "やまざき"), ("森", "もり"), ("池田", "いけだ"), ("橋本", "はしもと"),
    ("阿部", "あべ"), ("石川", "いしかわ"), ("山下", "やました"), ("中島", "なかじま"),
    ("石井", "いしい"), ("小川", "おがわ"), ("前田", "まえだ"), ("岡田", "おかだ"),
    ("長谷川", "はせがわ"), ("藤田", "ふじた"), ("後藤", "ごとう"), ("近藤", "こんどう"),
    ("村上", "むらかみ"), ("遠藤", "えんどう"), ("青木", "あおき"), ("坂本", "さかもと"),
    ("斉藤", "さいとう"), ("福田", "ふくだ"), ("太田", "おおた"), ("西村", "にしむら"),
    ("藤井", "ふじい"), ("金子", "かねこ"), ("岡本", "おかもと"), ("藤原", "ふじわら"),
    ("中野", "なかの"), ("三浦", "みうら"), ("原田", "はらだ"), ("中川", "なかがわ"),
    ("松田", "まつだ"), ("竹内", "たけうち"), ("小野", "おの"), ("田村", "たむら"),
    ("中山", "なかやま"), ("和田", "わだ"), ("石田", "いしだ"), ("森田", "もりた"),
    ("上田", "うえだ"), ("原", "はら"), ("内田", "うちだ"), ("柴田", "しばた"),
    ("酒井", "さかい"), ("宮崎", "みやざき"), ("横山", "よこやま"), ("高木", "たかぎ"),
    ("安藤", "あんどう"), ("宮本", "みやもと"), ("大野", "おおの"), ("小島", "こじま"),
    ("谷口", "たにぐち"), ("今井", "いまい"), ("工藤", "くどう"), ("高田", "たかだ"),
    ("増田", "ますだ"), ("丸山", "まるやま"), ("杉山", "すぎやま"), ("村田", "むらた"),
    ("大塚", "おおつか"), ("新井", "あらい"), ("小山", "こやま"), ("平野", "ひらの"),
    ("藤本", "ふじもと"), ("河野", "こうの"), ("上野", "うえの"), ("野口", "のぐち"),
    ("武田", "たけだ"), ("松井", "まつい"), ("千葉", "ちば"), ("岩崎", "いわさき"),
    ("菅原", "すがわら"), ("木下", "きのした"), ("久保", "くぼ"), ("佐野", "さの"),
    ("野村", "のむら"), ("松尾", "まつお"), ("市川", "いちかわ"), ("菊地", "きくち"),
    ("常陸", "ひたち"), ("那珂", "なか"), ("勝田", "かつた"), ("海野", "うんの"),
    ("大和田", "おおわだ"), ("軍司", "ぐんじ"), ("鴨志田", "かもしだ"), ("綿引", "わたひき"),
)  # fmt: skip
GIVEN: tuple[tuple[str, str], ...] = (
    ("花子", "はなこ"), ("太郎", "たろう"), ("蓮", "れん"), ("陽葵", "ひまり"),
    ("湊", "みなと"), ("凛", "りん"), ("陽翔", "はると"), ("結菜", "ゆいな"),
    ("蒼", "あおい"), ("芽依", "めい"), ("樹", "いつき"), ("紬", "つむぎ"),
    ("大翔", "ひろと"), ("結衣", "ゆい"), ("悠真", "ゆうま"), ("杏", "あん"),
    ("一郎", "いちろう"), ("和子", "かずこ"), ("清", "きよし"), ("幸子", "さちこ"),
    ("茂", "しげる"), ("節子", "せつこ"), ("勇", "いさむ"), ("洋子", "ようこ"),
    ("健一", "けんいち"), ("恵子", "けいこ"), ("誠", "まこと"), ("美智子", "みちこ"),
    ("浩", "ひろし"), ("久美子", "くみこ"), ("大輔", "だいすけ"), ("愛", "あい"),
    ("翔太", "しょうた"), ("美咲", "みさき"), ("拓也", "たくや"), ("彩", "あや"),
    ("健太", "けんた"), ("真由美", "まゆみ"), ("直樹", "なおき"), ("裕子", "ゆうこ"),
)  # fmt: skip


def _weighted(rng: random.Random, items: tuple[tuple[str, int], ...]) -> Callable[[], str]:
    names = [n for n, _w in items]
    weights = [w for _n, w in items]

    def pick() -> str:
        return rng.choices(names, weights)[0]

    return pick


def _family_weights() -> list[float]:
    # Zipf-like: 佐藤 about 1.5 % of people, the 100th name about 0.1 %.
    return [1.0 / (i + 1) ** 0.6 for i in range(len(FAMILY))]


# ---------------------------------------------------------------- database


def _server_connect(dbname: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(SERVER.rstrip("/") + "/" + dbname, autocommit=True)


def database_exists() -> bool:
    with _server_connect() as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
            is not None
        )


def database_create(*, drop: bool) -> None:
    from psycopg import sql

    with _server_connect() as conn:
        if drop:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME))
            )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def django_setup() -> None:
    os.environ["DATABASE_URL"] = SERVER.rstrip("/") + "/" + DB_NAME
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    # Only the back office's tables (and what they depend on): the inbox reads nothing else.
    call_command("migrate", "casework", verbosity=0)


def _procedures() -> dict[str, list[tuple[str, int]]]:
    """2 to 5 procedures per department: (code, processing days)."""
    rng = random.Random(SEED + 1)
    out: dict[str, list[tuple[str, int]]] = {}
    for dept, _w in DEPARTMENTS:
        count = rng.randint(2, 5)
        out[dept] = [
            (f"{dept.replace('_', '-')}-{i + 1}", rng.choice((5, 10, 14, 20, 30, 60)))
            for i in range(count)
        ]
    return out


def _name_forms() -> list[tuple[str, str, str, str]]:
    """(applicant_name, applicant_kana, search_name, search_kana) for every name pair,
    made by the same functions the hand-off uses."""
    from tsunagu.casework.selectors import search_kana_form, search_name_form
    from tsunagu.core.japanese import to_katakana

    out = []
    for sei, sei_yomi in FAMILY:
        for mei, mei_yomi in GIVEN:
            name = f"{sei} {mei}"
            kana = f"{to_katakana(sei_yomi)}\u3000{to_katakana(mei_yomi)}"
            out.append((name, kana, search_name_form(name), search_kana_form(kana)))
    return out


def _values(n: int, today: dt.date) -> Iterator[dict[str, Any]]:
    from tsunagu.casework import workdays

    rng = random.Random(SEED)
    dept = _weighted(rng, DEPARTMENTS)
    closed = _weighted(rng, CLOSED)
    open_ = _weighted(rng, OPEN_MIX)
    procs = _procedures()
    names = _name_forms()
    fam_w = _family_weights()
    fam_idx = list(range(len(FAMILY)))
    jst = dt.timezone(dt.timedelta(hours=9))
    start = dt.datetime.combine(today - dt.timedelta(days=365), dt.time(8, 30), tzinfo=jst)
    seconds = 365 * 24 * 3600
    # Sorted submission times, so receipt numbers rise with time as they do in a city.
    times = sorted(rng.randrange(seconds) for _ in range(n))
    seq: dict[int, int] = {}
    due_cache: dict[tuple[dt.date, int], dt.date] = {}
    for offset in times:
        submitted = start + dt.timedelta(seconds=offset)
        d = dept()
        code, days = rng.choice(procs[d])
        age = (today - submitted.date()).days
        # Open while young: all open in the first days, about half after a month.
        backlog = 0.0 if d in ON_TIME else LINGERING
        p_open = backlog if age > 90 else max(backlog, 1.0 - age / 60)
        st = open_() if rng.random() < p_open else closed()
        year = submitted.year
        seq[year] = seq.get(year, 0) + 1
        number = seq[year]
        received = submitted.date()
        key = (received, days)
        if key not in due_cache:
            due_cache[key] = workdays.due_date(received, days)
        due = due_cache[key] if rng.random() > 0.05 else None  # a few without 標準処理期間
        fam = rng.choices(fam_idx, fam_w)[0]
        name, kana, sname, skana = names[fam * len(GIVEN) + rng.randrange(len(GIVEN))]
        receipt = f"HN-{year}-{number:06d}-{(year + number) % 10}"
        app_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        decided = (
            submitted + dt.timedelta(days=rng.randint(3, 40))
            if st not in OPEN and st != "withdrawn"
            else None
        )
        yield {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "application_id": app_id,
            "receipt_number": receipt,
            "procedure_code": code,
            "procedure_version": 1,
            "department": d,
            "channel": "online" if rng.random() < 0.7 else "counter",
            "status": st,
            "assignee_id": None,
            "submitted_at": submitted,
            "processing_days": days if due else None,
            "due_date": due,
            "paused_days": 0,
            "correction_since": None,
            "decision_reason": "",
            "decided_at": decided,
            "applicant_name": name,
            "applicant_kana": kana,
            "search_name": sname,
            "search_kana": skana,
            # A hand-off payload of realistic size (the inbox never reads it).
            "submitted": json.dumps(
                {
                    "id": str(app_id),
                    "receipt_number": receipt,
                    "procedure_code": code,
                    "procedure_version": 1,
                    "channel": "online",
                    "submitted_at": submitted.isoformat(),
                    "answers": {
                        "name": {"sei": name.split(" ")[0], "mei": name.split(" ")[1]},
                        "kana": {"sei": kana.split("\u3000")[0], "mei": kana.split("\u3000")[1]},
                        "address": {
                            "postal_code": "3128501",
                            "line1": "茨城県ひたちなか市東石川２丁目１０番１号",
                            "line2": "",
                        },
                        "phone": "029-273-0111",
                    },
                    "attachments": [],
                },
                ensure_ascii=False,
            ),
            "created_at": submitted,
            "updated_at": submitted,
        }


def load(n: int) -> float:
    """COPY ``n`` cases into casework_case; returns the seconds taken (with ANALYZE)."""
    from django.db import connection
    from django.utils import timezone

    from tsunagu.casework.models import Case

    started = time.perf_counter()
    fields = [f for f in Case._meta.concrete_fields]
    columns = [f.column for f in fields]
    table = Case._meta.db_table
    # Columns added to Case later take their default (or NULL), so the loader keeps working.
    fixed: dict[str, Any] = {}
    for f in fields:
        if f.attname in {
            "id",
            "application_id",
            "receipt_number",
            "procedure_code",
            "procedure_version",
            "department",
            "channel",
            "status",
            "assignee_id",
            "submitted_at",
            "processing_days",
            "due_date",
            "paused_days",
            "correction_since",
            "decision_reason",
            "decided_at",
            "applicant_name",
            "applicant_kana",
            "search_name",
            "search_kana",
            "submitted",
            "created_at",
            "updated_at",
        }:
            continue
        default = f.get_default()
        fixed[f.attname] = json.dumps(default) if f.get_internal_type() == "JSONField" else default
    names = [f.attname for f in fields]
    cols_sql = ", ".join(connection.ops.quote_name(c) for c in columns)
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cur:
        cur.execute(f"TRUNCATE {connection.ops.quote_name(table)} CASCADE")  # the model's table
        with cur.copy(f"COPY {connection.ops.quote_name(table)} ({cols_sql}) FROM STDIN") as copy:
            for i, row in enumerate(_values(n, timezone.localdate())):
                row.update(fixed)
                copy.write_row([row[name] for name in names])
                if (i + 1) % 100_000 == 0:
                    print(
                        f"  {i + 1:>9,} cases loaded ({time.perf_counter() - started:.0f} s)",
                        flush=True,
                    )
        cur.execute(
            f"COMMENT ON TABLE {connection.ops.quote_name(table)} IS %s",  # the model's table
            [DATA_VERSION],
        )
    raw.commit()
    with raw.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
    return time.perf_counter() - started


def case_count() -> int:
    from tsunagu.casework.models import Case

    return Case.objects.count()


def data_version() -> str:
    """The generator version the kept data was made with ("" if none)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT obj_description('casework_case'::regclass, 'pg_class')")
        row = cur.fetchone()
    return str(row[0] or "") if row else ""


# ---------------------------------------------------------------- measurement


def _staff(department: str) -> Any:
    from tsunagu.accounts.staff_models import StaffProfile

    # Unsaved: the selector reads only the department, the role and the user id.
    return StaffProfile(department=department, role="clerk", user_id=1)


def _pick_receipts(count: int) -> list[tuple[str, str]]:
    """(department, receipt number) of random existing cases."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT department, receipt_number FROM casework_case TABLESAMPLE SYSTEM (1) LIMIT %s",
            [count],
        )
        return list(cur.fetchall())


def measure(reps: int, warmup: int) -> list[dict[str, Any]]:
    from django.db import reset_queries

    from tsunagu.casework.selectors import InboxFilters, case_inbox

    rng = random.Random(SEED + 2)
    depts = [d for d, _w in DEPARTMENTS]
    weights = [w for _d, w in DEPARTMENTS]
    receipts = _pick_receipts(reps + warmup)
    fam_w = _family_weights()

    def dept() -> str:
        return rng.choices(depts, weights)[0]

    def family() -> tuple[str, str]:
        return rng.choices(FAMILY, fam_w)[0]

    def status_q() -> tuple[str, InboxFilters]:
        return dept(), InboxFilters(status=rng.choice(OPEN), sort="due")

    def open_q() -> tuple[str, InboxFilters]:
        return dept(), InboxFilters(sort="due")

    def kanji_q() -> tuple[str, InboxFilters]:
        return dept(), InboxFilters(status="all", q=family()[0])

    def kana_q() -> tuple[str, InboxFilters]:
        return dept(), InboxFilters(status="all", q=family()[1])

    it = iter(receipts)

    def receipt_q() -> tuple[str, InboxFilters]:
        d, r = next(it)
        return d, InboxFilters(status="all", q=r)

    scenarios: list[tuple[str, Callable[[], tuple[str, InboxFilters]]]] = [
        ("department + status, by due date", status_q),
        ("open inbox (default view)", open_q),
        ("name search (kanji family name)", kanji_q),
        ("name search (kana family name)", kana_q),
        ("receipt number lookup", receipt_q),
    ]
    results = []
    for label, make in scenarios:
        times: list[float] = []
        found = 0
        for i in range(warmup + reps):
            department, filters = make()
            staff = _staff(department)
            t0 = time.perf_counter()
            page = case_inbox(staff=staff, filters=filters)
            elapsed = (time.perf_counter() - t0) * 1000
            reset_queries()
            if i >= warmup:
                times.append(elapsed)
                found += bool(page.cases)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
        results.append(
            {
                "query": label,
                "reps": reps,
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(p95, 2),
                "max_ms": round(times[-1], 2),
                "with_results": found,
                "ok": p95 <= TARGET_P95_MS,
            }
        )
    return results


def explain() -> None:
    """PostgreSQL's plan (EXPLAIN ANALYZE) of one query of each kind, page and count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tsunagu.casework.selectors import InboxFilters, case_inbox

    (dept, receipt), *_ = _pick_receipts(1)
    for label, department, filters in [
        ("department + status", "shimin", InboxFilters(status="in_review")),
        ("open inbox", "shimin", InboxFilters()),
        ("name search (kanji)", "shimin", InboxFilters(status="all", q="佐藤")),
        ("name search (kana)", "shimin", InboxFilters(status="all", q="さとう")),
        ("receipt number", dept, InboxFilters(status="all", q=receipt)),
    ]:
        with CaptureQueriesContext(connection) as ctx:
            case_inbox(staff=_staff(department), filters=filters)
        for q in ctx.captured_queries:
            print(f"\n-- {label}\n{q['sql']}\n")
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                for (line,) in cur.fetchall():
                    print("   ", line)


def report(results: list[dict[str, Any]], total: int) -> None:
    print(f"\nInbox of {total:,} cases (PostgreSQL, database {DB_NAME}), through case_inbox():")
    print(f"{'query':<36} {'reps':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  p95 ≤ 50 ms")
    for r in results:
        verdict = "yes" if r["ok"] else "NO"
        print(
            f"{r['query']:<36} {r['reps']:>5} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} "
            f"{r['max_ms']:>8.2f}  {verdict}"
        )
    print("Each figure is one call of the selector: the page query and its capped count.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reload", action="store_true", help="drop the database and load again")
    parser.add_argument(
        "--cases", type=int, default=int(os.environ.get("TSUNAGU_BENCH_INBOX_CASES", "1000000"))
    )
    parser.add_argument(
        "--reps", type=int, default=int(os.environ.get("TSUNAGU_BENCH_INBOX_REPS", "300"))
    )
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args(argv)

    fresh = args.reload or not database_exists()
    if fresh:
        print(f"Creating the database {DB_NAME} ...", flush=True)
        database_create(drop=args.reload)
    django_setup()
    migrate()
    total = case_count()
    if fresh or total != args.cases or data_version() != DATA_VERSION:
        print(f"Loading {args.cases:,} cases with COPY ...", flush=True)
        seconds = load(args.cases)
        total = case_count()
        print(
            f"Loaded {total:,} cases in {seconds:.0f} s (kept for the next run; --reload to redo)."
        )
    else:
        print(f"Reusing {total:,} cases in {DB_NAME} (--reload to load again).")
    load_before = os.getloadavg()[0]
    results = measure(args.reps, args.warmup)
    report(results, total)
    load_after = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    print(
        f"Load average {load_before:.1f} before, {load_after:.1f} after, on {cpus} CPUs"
        + (
            " (a busy machine: the figures are higher than on a quiet one)"
            if max(load_before, load_after) > cpus
            else ""
        )
    )
    if args.explain:
        explain()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "inbox.json").write_text(
        json.dumps(
            {"cases": total, "target_p95_ms": TARGET_P95_MS, "results": results},
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"Written {(out / 'inbox.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
