"""Benchmark `learningcity generate`: a national-scale synthetic city in a fresh PostgreSQL database.

    python -m bench.generate                      # 1,000,000 citizens, 100,000 programmes, 5,000,000 enrolments
    python -m bench.generate --citizens 100000    # a tenth of everything
    python -m bench.generate --programmes 0       # citizens only
    BENCH_POSTGRES_URL=postgres://user@host:5432 python -m bench.generate

Creates the database (default lc_bench) from template0 with a UTF-8 ctype, migrates it, loads the
demo, then runs `learningcity generate` three times, each in its own child process, and measures
each one's wall time and peak resident memory (from wait4, so only that child is counted):
citizens, then programmes (with their offerings and sessions), then enrolments. Programmes default
to a tenth of the citizens and enrolments to five times the citizens (the issue's benchmark scale for
1,000,000 citizens). Target for citizens: 1,000,000 in under 3 minutes and under 1 GB; for the
catalogue: the issue's scale (100,000 programmes, 300,000 offerings, 5,000,000 enrolments) in under
10 minutes.
"""

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
TARGET_SECONDS = 180
TARGET_MB = 1024
SECTION_START = "<!-- bench:generate:start -->"
SECTION_END = "<!-- bench:generate:end -->"
CATALOGUE_MARK = "<!-- bench:generate:catalogue -->"
CATALOGUE_TARGET_SECONDS = 600
CATALOGUE_HEADER = (
    "| date | programmes | offerings | sessions | seconds | programmes/s | peak RSS (MB) | enrolments | seconds "
    "| enrolments/s | peak RSS (MB) | counters right | target met | PostgreSQL | CPU |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|"
)
RUN_ROW = re.compile(r"^\| \d{4}-\d{2}-\d{2} ")
KEEP_RUNS = 20


def learningcity_command() -> list[str]:
    script = Path(sys.executable).parent / "learningcity"
    return [str(script)] if script.exists() else [sys.executable, "-m", "learningcity.core.cli"]


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create `name`; returns the server's version."""
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8'").format(
                sql.Identifier(name)
            )
        )
        return conn.execute("SHOW server_version").fetchone()[0]


def count_citizens(database_url: str, seed: int) -> tuple[int, int, int]:
    prefix = f"099{seed:02d}%"
    with psycopg.connect(database_url) as conn:
        users = conn.execute(
            "SELECT count(*) FROM accounts_user WHERE mobile LIKE %s", [prefix]).fetchone()[0]
        profiles = conn.execute(
            "SELECT count(*) FROM accounts_citizenprofile p JOIN accounts_user u ON u.id = p.user_id "
            "WHERE u.mobile LIKE %s", [prefix]).fetchone()[0]
        roles = conn.execute(
            "SELECT count(*) FROM accounts_roleassignment r JOIN accounts_user u ON u.id = r.user_id "
            "WHERE u.mobile LIKE %s AND r.role = 'citizen'", [prefix]).fetchone()[0]
    return users, profiles, roles


def machine(postgres_version: str) -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "CPU": cpu,
        "cores (nproc)": str(os.cpu_count()),
        "RAM": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "PostgreSQL": postgres_version,
        "Python": platform.python_version(),
    }


def run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS (MiB), exit code and output of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdout.close()
    # ru_maxrss is in KiB on Linux.
    return seconds, usage.ru_maxrss / 1024, child.returncode, output.strip()


def count_catalogue(database_url: str, seed: int) -> tuple[int, int, int, int, int]:
    """The seed's programmes, offerings, sessions and enrolments, and offerings whose counters disagree with rows."""
    marker = f"% (S{seed:02d}-%"
    with psycopg.connect(database_url) as conn:
        programmes, offerings, sessions = conn.execute(
            "SELECT count(DISTINCT p.id), count(DISTINCT o.id), count(s.id) FROM catalogue_programme p "
            "JOIN catalogue_offering o ON o.programme_id = p.id JOIN catalogue_session s ON s.offering_id = o.id "
            "WHERE p.title_en LIKE %s", [marker]).fetchone()
        enrolments, wrong = conn.execute(
            "SELECT coalesce(sum(c.total), 0), count(*) FILTER (WHERE c.confirmed <> o.confirmed_count "
            "OR c.waiting <> o.waitlist_count OR o.confirmed_count + o.offered_count > o.capacity) "
            "FROM catalogue_offering o JOIN catalogue_programme p ON p.id = o.programme_id "
            "JOIN (SELECT offering_id, count(*) AS total, count(*) FILTER (WHERE status = 'confirmed') AS confirmed, "
            "count(*) FILTER (WHERE status = 'waitlisted') AS waiting FROM enrolment_enrolment "
            "GROUP BY offering_id) c ON c.offering_id = o.id WHERE p.title_en LIKE %s", [marker]).fetchone()
    return programmes, offerings, sessions, enrolments, wrong


def update_docs(row: str, facts: dict[str, str], command: str, database: str, catalogue_row: str = "") -> None:
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else (
        "# Benchmarks\n\nMeasured, not asserted: tests check behaviour, these pages record speed on a named "
        "machine. Re-run with `make bench` (all) or the command given in each section.\n"
    )
    runs: list[str] = []
    catalogue_runs: list[str] = []
    if SECTION_START in text and SECTION_END in text:
        head, rest = text.split(SECTION_START, 1)
        old, tail = rest.split(SECTION_END, 1)
        old_citizens, _mark, old_catalogue = old.partition(CATALOGUE_MARK)
        runs = [line for line in old_citizens.splitlines() if RUN_ROW.match(line)]
        catalogue_runs = [line for line in old_catalogue.splitlines() if RUN_ROW.match(line)]
    else:
        head, tail = text.rstrip("\n") + "\n\n", "\n"
    if row:
        runs = (runs + [row])[-KEEP_RUNS:]
    if catalogue_row:
        catalogue_runs = (catalogue_runs + [catalogue_row])[-KEEP_RUNS:]
    machine_rows = "\n".join(f"| {key} | {value} |" for key, value in facts.items())
    section = f"""{SECTION_START}
## Synthetic citizens: `learningcity generate`

What it measures: `learningcity generate --citizens N --seed 1` writing N synthetic citizens (a person, a
citizen profile and a citizen role each: three rows) into a fresh PostgreSQL database that holds the demo
city, with every index and foreign key of the real schema in place. Rows go in with `COPY` in batches of
20,000, one transaction per batch. Time is the wall time of the whole command (Python start-up, Django
set-up, generation, `COPY`, commits); memory is the peak resident set size of that process alone
(`wait4`), not of the PostgreSQL server.

Target: 1,000,000 citizens in under {TARGET_SECONDS // 60} minutes and under {TARGET_MB:,} MB.

Re-run: `{command}` from the project's root with the virtualenv's Python (`make bench-generate`); it
drops and re-creates the `{database}` database on `BENCH_POSTGRES_URL` (default
`postgres://postgres@127.0.0.1:5432`) and drops it again at the end. `--citizens N` runs smaller (programmes and
enrolments follow at a tenth and five times N unless given); `--programmes 0` measures citizens only.

Latest machine:

| | |
|---|---|
{machine_rows}

| date | citizens | seconds | citizens/s | rows/s | peak RSS (MB) | target met | PostgreSQL | Python | CPU |
|---|---:|---:|---:|---:|---:|---|---|---|---|
{chr(10).join(runs)}

### Synthetic programmes and enrolments: `learningcity generate --programmes M --enrolments K`

What it measures: on the same database, after the citizens, `learningcity generate --programmes M --seed 1`
(programmes from templates over the learning domains, offered by the demo's accredited partners and
published, with one to five dated offerings each, three on average, their sessions, and venues across the
districts; search keys filled; rows in with `COPY`, 2,000 programmes per transaction), then, in a second
process, `learningcity generate --enrolments K --seed 1` (K enrolments of synthetic citizens spread over
the offerings whose window had opened, seats first and then waitlists, the offerings' counters set in the
same transaction under their row locks; `COPY`, 5,000 offerings per transaction). Each time is the wall
time of its whole command; peak RSS is that process's own. Every row goes through the real schema's
indexes, including the programme search index (a GIN trigram index over the search key and over its
spaceless form, and a GIN full-text index), which is most of the programmes' time. The run then checks
that every offering's counters equal its rows and that no offering holds more than its seats.

Target: the issue's benchmark scale (100,000 programmes, 300,000 offerings, 5,000,000 enrolments) in under
{CATALOGUE_TARGET_SECONDS // 60} minutes.

{CATALOGUE_MARK}
{CATALOGUE_HEADER}
{chr(10).join(catalogue_runs)}
{SECTION_END}"""
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(f"{head}{section}{tail}", encoding="utf-8")


def measure_catalogue(cli: list[str], env: dict[str, str], database_url: str, seed: int, programmes: int,
                      enrolments: int) -> list[str]:
    """Time the programmes run and the enrolments run; the table cells, or [] when a run failed."""
    runs = []
    for flag, count in (("--programmes", programmes), ("--enrolments", enrolments)):
        if not count:
            runs.append((0.0, 0.0))
            continue
        command = [*cli, "generate", flag, str(count), "--seed", str(seed), "--no-progress", "--skip-checks"]
        print("running: " + " ".join(["learningcity", *command[len(cli):]]), flush=True)
        seconds, peak_mb, code, output = measure(command, env)
        print(output)
        if code != 0:
            print(f"generate {flag} failed with exit code {code}", file=sys.stderr)
            return []
        runs.append((seconds, peak_mb))
    made, offerings, sessions, enrolled, wrong = count_catalogue(database_url, seed)
    if made != programmes or enrolled != enrolments or wrong:
        print(f"expected {programmes:,} programmes and {enrolments:,} enrolments with matching counters, found "
              f"{made:,}, {enrolled:,} and {wrong:,} offerings whose counters disagree", file=sys.stderr)
        return []
    (programme_seconds, programme_mb), (enrolment_seconds, enrolment_mb) = runs
    total = programme_seconds + enrolment_seconds
    at_scale = programmes >= 100_000 and enrolments >= 5_000_000
    verdict = ("yes" if total < CATALOGUE_TARGET_SECONDS else "no") if at_scale else "n/a (smaller run)"
    print(
        f"RESULT generate: {programmes:,} programmes ({offerings:,} offerings, {sessions:,} sessions) in "
        f"{programme_seconds:.1f} s, peak RSS {programme_mb:,.0f} MB; {enrolments:,} enrolments in "
        f"{enrolment_seconds:.1f} s, peak RSS {enrolment_mb:,.0f} MB; counters right; target (issue scale in "
        f"< {CATALOGUE_TARGET_SECONDS} s) met: {verdict}"
    )
    return [
        f"{programmes:,}", f"{offerings:,}", f"{sessions:,}", f"{programme_seconds:.1f}",
        f"{programmes / programme_seconds:,.0f}" if programme_seconds else "–", f"{programme_mb:,.0f}",
        f"{enrolments:,}", f"{enrolment_seconds:.1f}",
        f"{enrolments / enrolment_seconds:,.0f}" if enrolment_seconds else "–", f"{enrolment_mb:,.0f}", "yes",
        verdict,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--programmes", type=int, help="Default: a tenth of the citizens; 0 skips the catalogue.")
    parser.add_argument("--enrolments", type=int, help="Default: five times the citizens.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--database", default="lc_bench")
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database name (env BENCH_POSTGRES_URL).")
    parser.add_argument("--no-docs", action="store_true", help="Do not write docs/benchmarks.md.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args(argv)
    programmes = args.citizens // 10 if args.programmes is None else args.programmes
    enrolments = 5 * args.citizens if args.enrolments is None else args.enrolments

    server = args.server.rstrip("/")
    database_url = f"{server}/{args.database}"
    print(f"creating {args.database} on {server} ...", flush=True)
    postgres_version = recreate_database(server, args.database)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "false",
    }
    cli = learningcity_command()
    print("migrating and loading the demo ...", flush=True)
    run([*cli, "migrate", "--no-input", "-v", "0"], env)
    run([*cli, "demo", "--skip-checks"], env)

    generate = [*cli, "generate", "--citizens", str(args.citizens), "--seed", str(args.seed),
                "--batch", str(args.batch), "--no-progress", "--skip-checks"]
    print("running: " + " ".join(["learningcity", *generate[len(cli):]]), flush=True)
    seconds, peak_mb, code, output = measure(generate, env)
    print(output)
    if code != 0:
        print(f"generate failed with exit code {code}", file=sys.stderr)
        return code
    users, profiles, roles = count_citizens(database_url, args.seed)
    if not users == profiles == roles == args.citizens:
        print(f"expected {args.citizens} of each, found {users} people, {profiles} profiles, {roles} roles",
              file=sys.stderr)
        return 1
    rate = args.citizens / seconds
    met = args.citizens >= 1_000_000 and seconds < TARGET_SECONDS and peak_mb < TARGET_MB
    verdict = "yes" if met else ("no" if args.citizens >= 1_000_000 else "n/a (smaller run)")
    facts = machine(postgres_version)
    print(
        f"RESULT generate: {args.citizens:,} citizens in {seconds:.1f} s ({rate:,.0f} citizens/s, "
        f"{3 * rate:,.0f} rows/s), peak RSS {peak_mb:,.0f} MB; target (1,000,000 in < {TARGET_SECONDS} s, "
        f"< {TARGET_MB} MB) met: {verdict}"
    )
    today = dt.date.today().isoformat()
    cells = [
            today, f"{args.citizens:,}", f"{seconds:.1f}", f"{rate:,.0f}", f"{3 * rate:,.0f}",
            f"{peak_mb:,.0f}", verdict, postgres_version, facts["Python"],
            f"{facts['CPU']}, {facts['cores (nproc)']} cores, {facts['RAM']}",
        ]
    catalogue_cells: list[str] = []
    if programmes:
        catalogue_cells = measure_catalogue(cli, env, database_url, args.seed, programmes, enrolments)
        if not catalogue_cells:
            return 1
        catalogue_cells += [postgres_version, f"{facts['CPU']}, {facts['cores (nproc)']} cores, {facts['RAM']}"]
    if not args.no_docs:
        command = "python -m bench.generate"
        if args.citizens != 1_000_000:
            command += f" --citizens {args.citizens}"
        catalogue_row = "| " + " | ".join([today, *catalogue_cells]) + " |" if catalogue_cells else ""
        update_docs("| " + " | ".join(cells) + " |", facts, command, args.database, catalogue_row)
        print(f"recorded in {DOCS.relative_to(ROOT)}")
    if not args.keep:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.database))
            conn.execute(drop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
