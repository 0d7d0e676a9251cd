"""Benchmark the public action-plan page and "my tasks" on PostgreSQL (issue 5).

    python -m bench.workgroups                       # 500 results, 1,000 tasks for one person, 200 requests each
    python -m bench.workgroups --results 200 --tasks 300 --samples 50     # smaller
    python -m bench.workgroups --keep --reuse        # keep the data / measure again without rebuilding
    BENCH_POSTGRES_URL=postgres://user@host:5432 python -m bench.workgroups

Creates the database (default lc_bench_workgroups) from template0 with a UTF-8 ctype and migrates it, then
writes a city with 20 partners, 100 published programmes, 12 working groups with members, meetings and
decisions, a published action plan for the current Jalali year with 50 objectives across the nine areas
(2.1-2.6, 3.1-3.3), N results (3 dated updates each), budget lines and linked programmes, and M tasks owned
by one person (nine in ten by the person, the rest by the partner they represent) across the groups in
every state, some overdue, among 4 x M tasks of other people. Then it measures, in this process with
Django's test client (no network), the server-side time of

- the public plan page (`GET /fa/plan/<year>/`, anonymous), and
- "my tasks" (`GET /fa/me/tasks/`, the person logged in; the first page of 50, late work first),

templates included, and counts the SQL queries each page makes. Target (issue 5): under 100 ms (p95).
Results are written to docs/benchmarks.md (section "workgroups") unless --no-docs.
"""

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
TARGET_MS = 100
SECTION_START = "<!-- bench:workgroups:start -->"
SECTION_END = "<!-- bench:workgroups:end -->"
GROUPS = 12
OBJECTIVES = 50
PROGRAMMES = 100
PARTNERS = 20
KEEP_RUNS = 12


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create `name`; returns the server's version."""
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8'").format(
            sql.Identifier(name)))
        return conn.execute("SHOW server_version").fetchone()[0]


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build(results: int, tasks: int, rng: random.Random) -> str:
    """Everything the two pages read; returns the person's mobile number."""
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from learningcity.accounts.models import CitizenProfile, RoleAssignment, User
    from learningcity.catalogue.models import LearningDomain, Programme, ProgrammeStatus
    from learningcity.cities.models import City
    from learningcity.core.jalali import jalali_year_of
    from learningcity.core.permissions import Role
    from learningcity.core.text import normalise_for_search
    from learningcity.institutions.models import Accreditation, Institution, InstitutionType
    from learningcity.workgroups.models import (
        PLAN_AREAS,
        ActionPlan,
        BudgetLine,
        Decision,
        GroupMember,
        GroupRole,
        Meeting,
        MeetingStatus,
        MinutesStatus,
        Objective,
        PlanResult,
        PlanStatus,
        ResultStatus,
        ResultUpdate,
        Task,
        TaskStatus,
        WorkingGroup,
    )

    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    year = jalali_year_of(today)
    with transaction.atomic():
        city, _ = City.objects.get_or_create(slug="kermanshah", defaults={
            "name_fa": "کرمانشاه", "name_en": "Kermanshah", "country": "IR", "hosts_platform": True})
        password = make_password("bench-Password-1405")
        people = User.objects.bulk_create([
            User(mobile=f"0991{n:07d}", name=f"عضو کارگروه {n}", password=password) for n in range(60)
        ])
        CitizenProfile.objects.bulk_create([CitizenProfile(user=person, city=city) for person in people])
        RoleAssignment.objects.bulk_create([RoleAssignment(user=person, role=Role.CITIZEN, city=city)
                                            for person in people])
        person, others = people[0], people[1:]
        partners = Institution.objects.bulk_create([
            Institution(city=city, slug=f"partner-{n}", type=InstitutionType.NGO, name_fa=f"نهاد شریک {n}",
                        name_en=f"Partner {n}", accreditation=Accreditation.ACCREDITED,
                        search_key=normalise_for_search(f"نهاد شریک {n} partner {n}"))
            for n in range(PARTNERS)
        ])
        domain = LearningDomain.objects.create(city=city, slug="literacy", name_fa="سواد", name_en="Literacy")
        programmes = Programme.objects.bulk_create([
            Programme(city=city, institution=partners[n % PARTNERS], title_fa=f"دورهٔ سواد رسانه‌ای {n}",
                      title_en=f"Media literacy course {n}", hours=Decimal(12), status=ProgrammeStatus.PUBLISHED,
                      published_at=now, search_key=f"dore savad {n}")
            for n in range(PROGRAMMES)
        ])
        Programme.domains.through.objects.bulk_create([
            Programme.domains.through(programme=p, learningdomain=domain) for p in programmes])

        groups = WorkingGroup.objects.bulk_create([
            WorkingGroup(city=city, slug=f"group-{n}", name_fa=f"کارگروه شمارهٔ {n}", name_en=f"Working group {n}",
                         mandate_fa="هماهنگی برنامه‌های یادگیری شهر", key_features=["2.2"])
            for n in range(GROUPS)
        ])
        seats = []
        for n, group in enumerate(groups):
            # The person sits in every group for partner 0; five others sit in each, chair and secretary first.
            seats.append(GroupMember(group=group, user=person, institution=partners[0], role=GroupRole.MEMBER,
                                     joined_on=today - dt.timedelta(days=200)))
            for k, other in enumerate(rng.sample(others, 5)):
                role = GroupRole.CHAIR if k == 0 else GroupRole.SECRETARY if k == 1 else GroupRole.MEMBER
                seats.append(GroupMember(group=group, user=other, institution=partners[(n + k + 1) % PARTNERS],
                                         role=role, joined_on=today - dt.timedelta(days=200)))
        GroupMember.objects.bulk_create(seats)
        meetings = Meeting.objects.bulk_create([
            Meeting(group=group, title_fa=f"نشست {k}", starts_at=now - dt.timedelta(days=30 * k + 5),
                    ends_at=now - dt.timedelta(days=30 * k + 5) + dt.timedelta(hours=2), place_fa="تالار شهرداری",
                    status=MeetingStatus.HELD, minutes="صورت‌جلسه", minutes_status=MinutesStatus.APPROVED)
            for group in groups for k in range(4)
        ])
        decisions = Decision.objects.bulk_create([
            Decision(group=meeting.group, meeting=meeting, year=year, number=k + 1 + 5 * (i % 4),
                     text=f"مصوبهٔ شمارهٔ {k + 1}")
            for i, meeting in enumerate(meetings) for k in range(5)
        ])
        by_group: dict[int, list] = {}
        for decision in decisions:
            by_group.setdefault(decision.group_id, []).append(decision)

        statuses = [TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED,
                    TaskStatus.DONE]

        def task(owner_user=None, owner_institution=None, n=0) -> Task:
            group = groups[n % GROUPS]
            status = statuses[n % len(statuses)]
            return Task(group=group, decision=by_group[group.pk][n % 20], title=f"اقدام شمارهٔ {n}",
                        owner_user=owner_user, owner_institution=owner_institution, status=status,
                        deadline=today + dt.timedelta(days=rng.randrange(-60, 120)),
                        progress=100 if status == TaskStatus.DONE else rng.choice([0, 20, 45, 70]) if status
                        != TaskStatus.NOT_STARTED else 0, done_at=now if status == TaskStatus.DONE else None)

        mine = [task(owner_user=person, n=n) for n in range(tasks - tasks // 10)]
        mine += [task(owner_institution=partners[0], n=n) for n in range(tasks // 10)]
        theirs = [task(owner_user=others[n % len(others)], n=n) for n in range(4 * tasks)]
        theirs += [task(owner_institution=partners[1 + n % (PARTNERS - 1)], n=n) for n in range(tasks)]
        Task.objects.bulk_create(mine + theirs, batch_size=2000)

        plan = ActionPlan.objects.create(city=city, year=year, title_fa=f"برنامهٔ عمل {year}",
                                         title_en=f"Action plan {year}", status=PlanStatus.PUBLISHED)
        objectives = Objective.objects.bulk_create([
            Objective(plan=plan, area=PLAN_AREAS[n % len(PLAN_AREAS)].value, code=f"O{n + 1}",
                      title_fa=f"هدف شمارهٔ {n + 1} برنامهٔ عمل", title_en=f"Objective {n + 1}",
                      description_fa="شرح هدف", working_group=groups[n % GROUPS], position=n)
            for n in range(OBJECTIVES)
        ])
        Objective.programmes.through.objects.bulk_create([
            Objective.programmes.through(objective=objective, programme=programme)
            for objective in objectives for programme in rng.sample(programmes, 3)
        ])
        BudgetLine.objects.bulk_create([
            BudgetLine(objective=objective, title_fa=f"ردیف بودجهٔ {k + 1}", planned_rials=rng.randrange(1, 50) * 10**8,
                       spent_rials=rng.randrange(0, 40) * 10**8)
            for objective in objectives for k in range(2)
        ])
        result_statuses = [s for s in ResultStatus.values if s != ResultStatus.NOT_STARTED]
        rows = []
        for n in range(results):
            status = rng.choice(result_statuses)
            progress = 100 if status == ResultStatus.ACHIEVED else rng.randrange(5, 95)
            rows.append(PlanResult(
                objective=objectives[n % OBJECTIVES], code=f"R{n + 1}", title_fa=f"نتیجهٔ سنجش‌پذیر شمارهٔ {n + 1}",
                title_en=f"Measurable result {n + 1}", unit_fa="نفر", unit_en="people", baseline=Decimal(100),
                target_value=Decimal(1000 + n), status=status, progress=progress,
                current_value=Decimal(100 + 9 * progress), updated_at=now,
            ))
        plan_results = PlanResult.objects.bulk_create(rows, batch_size=2000)
        ResultUpdate.objects.bulk_create([
            ResultUpdate(result=result, reported_on=today - dt.timedelta(days=30 * (3 - k)), status=result.status,
                         progress=result.progress * (k + 1) // 3, note="گزارش دوره‌ای")
            for result in plan_results for k in range(3)
        ], batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {results:,} results ({3 * results:,} updates), {len(mine):,} tasks of the person and "
          f"{len(theirs):,} of others in {time.perf_counter() - started:.1f} s", flush=True)
    return person.mobile


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def measure(samples: int) -> dict[str, dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from learningcity.accounts.models import User
    from learningcity.workgroups.models import ActionPlan, PlanResult, Task

    plan = ActionPlan.objects.get()
    person = User.objects.order_by("mobile").first()
    anonymous, member = Client(), Client()
    member.force_login(person)
    pages = {
        f"public plan page ({PlanResult.objects.count():,} results)": (anonymous, f"/fa/plan/{plan.year}/"),
        f"my tasks ({Task.objects.filter(owner_user=person).count() + Task.objects.filter(owner_institution__slug='partner-0').count():,} tasks)":  # noqa: E501
            (member, "/fa/me/tasks/"),
    }
    figures: dict[str, dict] = {}
    for name, (client, path) in pages.items():
        for _ in range(5):  # warm the caches, connections and templates
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        count = len(queries)  # now: the next request's start clears the connection's query log
        timings = []
        for _ in range(samples):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code}")
        figures[name] = {"timings": timings, "queries": count, "bytes": len(response.content)}
    return figures


def machine(postgres_version: str) -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, PostgreSQL {postgres_version.split()[0]}, "
            f"Python {platform.python_version()}")


def update_docs(rows: list[str], command: str, database: str, facts: str, note: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    runs: list[str] = []
    if SECTION_START in text and SECTION_END in text:
        head, rest = text.split(SECTION_START, 1)
        old, tail = rest.split(SECTION_END, 1)
        runs = [line for line in old.splitlines() if line.startswith("| 20")]
    else:
        head, tail = text.rstrip("\n") + "\n\n", "\n"
    runs = (runs + rows)[-KEEP_RUNS:]
    section = f"""{SECTION_START}
## Working groups: the public plan page and "my tasks": `python -m bench.workgroups`

What it measures: server-side time (Django's test client in the same process, no network; templates,
middleware and sessions included) of the public progress page of an action plan with 500 results by
default (`GET /fa/plan/<year>/`, anonymous; 50 objectives over the nine areas, 3 dated updates per result,
budget lines and linked programmes) and of "my tasks" for a person owning 1,000 tasks across 12 working
groups (`GET /fa/me/tasks/`, logged in, the first page of 50; nine in ten owned by the person, the rest by
the partner they represent; every state, some overdue; four times as many other people's tasks beside
them), 200 requests each after 5 warm-up requests, on a fresh PostgreSQL database with the production
session options (`-c jit=off -c random_page_cost=1.1`). The query count is for one request of each page.

Target (issue 5): both pages under {TARGET_MS} ms server-side (p95); tests assert bounded query counts.

Re-run: `{command}` from the project's root with the virtualenv's Python (`--results`, `--tasks`,
`--samples` change the sizes); it drops and re-creates the `{database}` database on `BENCH_POSTGRES_URL`
(default `postgres://postgres@127.0.0.1:5432`) and drops it at the end.

Machine: {facts}.{" " + note if note else ""}

| date | page | requests | p50 ms | p95 ms | p99 ms | max ms | SQL queries | target met |
|---|---|---:|---:|---:|---:|---:|---:|---|
{chr(10).join(runs)}
{SECTION_END}"""
    DOCS.write_text(f"{head}{section}{tail}", encoding="utf-8")


def _command(argv: list[str]) -> str:
    """The command line as the docs give it: the sizes, without --note, --keep, --reuse or --no-docs."""
    shown, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--note":
            skip = True
        elif not arg.startswith(("--note=", "--keep", "--reuse", "--no-docs")):
            shown.append(arg)
    return " ".join(["python -m bench.workgroups", *shown])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workgroups", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=int, default=500, help="Results in the plan.")
    parser.add_argument("--tasks", type=int, default=1000, help="Tasks the person owns.")
    parser.add_argument("--samples", type=int, default=200, help="Requests per page.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="lc_bench_workgroups")
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database name (env BENCH_POSTGRES_URL).")
    parser.add_argument("--pg-options", default="-c jit=off -c random_page_cost=1.1",
                        help="PostgreSQL session settings (PGOPTIONS) for the measured connections.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Measure an existing database (from --keep).")
    parser.add_argument("--no-docs", action="store_true", help="Do not write docs/benchmarks.md.")
    parser.add_argument("--note", default="", help="A sentence for docs/benchmarks.md (e.g. how busy the "
                                                   "machine was).")
    args = parser.parse_args(argv)

    server = args.server.rstrip("/")
    rng = random.Random(args.seed)
    if args.reuse:
        with psycopg.connect(f"{server}/postgres") as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
    else:
        print(f"creating {args.database} on {server} ...", flush=True)
        version = recreate_database(server, args.database)
    if args.pg_options:
        os.environ["PGOPTIONS"] = args.pg_options
    setup_django(f"{server}/{args.database}")
    from django.core.management import call_command

    if not args.reuse:
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        build(args.results, args.tasks, rng)
    figures = measure(args.samples)
    today = dt.date.today().isoformat()
    rows = []
    print(f"RESULT workgroups ({args.samples} requests per page), server-side ms:")
    print(f"  {'':30} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'queries':>8}  target")
    for name, figure in figures.items():
        values = figure["timings"]
        p50, p95, p99 = statistics.median(values), percentile(values, 0.95), percentile(values, 0.99)
        met = "yes" if p95 < TARGET_MS else "**no**"
        print(f"  {name:30} {p50:7.1f} {p95:7.1f} {p99:7.1f} {max(values):7.1f} {figure['queries']:8d}  "
              f"p95 < {TARGET_MS}: {met.strip('*')}")
        rows.append(f"| {today} | {name} | {len(values)} | {p50:.0f} | {p95:.0f} | {p99:.0f} | {max(values):.0f} "
                    f"| {figure['queries']} | {met} |")
    if not args.no_docs:
        update_docs(rows, _command(sys.argv[1:] if argv is None else argv), args.database, machine(version),
                    args.note)
        print(f"written to {DOCS.relative_to(ROOT)}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(server, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
