"""Benchmark: an enrolment rush over HTTP, as issue 4 describes it.

    python -m bench.enrol_rush                    # 2,000 citizens, 200 in flight, 200 seats
    python -m bench.enrol_rush --citizens 500 --seats 50 --in-flight 50

Creates a fresh PostgreSQL database (default lc_rush, UTF-8 ctype), migrates it, loads the demo city,
adds N synthetic citizens with API tokens and one published offering, then serves the project with
gunicorn (4 workers, production settings) on 127.0.0.1 and fires one POST /api/v1/offerings/{id}/enrolments
per citizen from a thread pool keeping K requests in flight (keep-alive connections). It checks the
outcome in the database (exactly `seats` confirmed, the rest waitlisted with distinct positions, no error
responses) and reports throughput and p50/p95/p99 latency, then runs the same rush with the same client
against a bare Django view (same settings, no database writes) for comparison.
"""

import argparse
import asyncio
import http.client
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


def recreate_database(server_url: str, name: str) -> str:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8'")
                     .format(sql.Identifier(name)))
    return f"{server_url}/{name}"


SETUP = """
import datetime as dt, hashlib
from decimal import Decimal
from django.utils import timezone
from learningcity.accounts.models import ApiToken, User
from learningcity.catalogue.models import Offering, Programme, Session
from learningcity.cities.models import City
from learningcity.institutions.models import Institution
city = City.objects.get(slug="kermanshah")
institution = Institution.objects.filter(city=city, accreditation="accredited").first()
programme = Programme.objects.create(city=city, institution=institution, title_fa="دوره پرتقاضا",
    title_en="Popular course", hours=Decimal("10"), status="published", published_at=timezone.now(),
    search_key="دوره پرتقاضا popular course")
now = timezone.now()
offering = Offering.objects.create(programme=programme, city=city, capacity={seats},
    enrolment_opens_at=now - dt.timedelta(hours=1), enrolment_closes_at=now + dt.timedelta(days=5),
    starts_on=timezone.localdate() + dt.timedelta(days=6), ends_on=timezone.localdate() + dt.timedelta(days=6))
start = now + dt.timedelta(days=6)
Session.objects.create(offering=offering, starts_at=start, ends_at=start + dt.timedelta(hours=2))
users = list(User.objects.filter(mobile__startswith="09904").order_by("mobile").values_list("pk", flat=True))
keys = open("{keys}").read().split()
ApiToken.objects.bulk_create([ApiToken(user_id=u, key_hash=hashlib.sha256(k.encode()).hexdigest(), prefix=k[:8],
    expires_at=now + dt.timedelta(days=1)) for u, k in zip(users, keys)])
print(offering.pk, len(users))
"""


def rush(port: int, path: str, keys: list[str], in_flight: int) -> tuple[list[float], dict[int, int], float]:
    """Fire one POST per key keeping `in_flight` requests open at once; latencies in ms.

    An asyncio client writing raw HTTP/1.1: it costs the 2-core machine far less CPU than a thread per
    connection, so the figure measures the server rather than the client.
    """
    return asyncio.run(_rush(port, path, keys, in_flight))


async def _rush(port: int, path: str, keys: list[str], in_flight: int):
    jobs: asyncio.Queue = asyncio.Queue()
    for key in keys:
        jobs.put_nowait(key)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def one(key: str) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
                          "Content-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                          ).encode())
            await writer.drain()
            response = await reader.read()
        finally:
            writer.close()
        return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 0

    async def worker():
        while not jobs.empty():
            key = jobs.get_nowait()
            started = time.perf_counter()
            try:
                status = await one(key)
            except OSError:
                status = 0
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return latencies, statuses, time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def serve(env: dict, port: int, urlconf: str | None = None) -> subprocess.Popen:
    env = dict(env)
    if urlconf:
        env["DJANGO_ROOT_URLCONF"] = urlconf
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", "4", "-b", f"127.0.0.1:{port}",
         "--keep-alive", "30", "--log-level", "warning"], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/api/v1/openapi.json")
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def report(name: str, latencies: list[float], statuses: dict[int, int], seconds: float) -> dict:
    row = {"name": name, "requests": len(latencies), "seconds": round(seconds, 2),
           "rps": round(len(latencies) / seconds), "p50": round(percentile(latencies, 0.5), 1),
           "p95": round(percentile(latencies, 0.95), 1), "p99": round(percentile(latencies, 0.99), 1),
           "statuses": statuses}
    print(json.dumps(row), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--seats", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=200)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--database", default="lc_rush")
    args = parser.parse_args(argv)
    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    url = recreate_database(server, args.database)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.prod",
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
           "DJANGO_SECURE_SSL_REDIRECT": "false", "LOGIN_RATE": "100000/m", "SIGNUP_RATE": "100000/h",
           "ENROLMENT_CAP": "3", "LOG_LEVEL": "WARNING",
           # Production shape: cache, rate limits and the message queue in Redis (a database of its own,
           # emptied first); text messages wait there for a Celery worker, which this benchmark does not run.
           "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")}
    subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "flushdb"], check=True, stdout=subprocess.DEVNULL)
    cli = [str(ROOT / ".venv" / "bin" / "learningcity")]
    subprocess.run([*cli, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*cli, "createcachetable"], cwd=ROOT, env=env, check=True)
    subprocess.run([*cli, "demo", "--no-programmes", "-v0"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*cli, "generate", "--citizens", str(args.citizens), "--seed", "4",
                    "--no-progress"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    keys = [secrets.token_urlsafe(32) for _ in range(args.citizens)]
    keys_file = ROOT / "var" / "rush-keys.txt"
    keys_file.parent.mkdir(exist_ok=True)
    keys_file.write_text("\n".join(keys))
    out = subprocess.run([*cli, "shell", "-c", SETUP.format(seats=args.seats, keys=keys_file)], cwd=ROOT, env=env,
                         check=True, capture_output=True, text=True).stdout.split()
    offering_id, citizens = int(out[-2]), int(out[-1])
    keys = keys[:citizens]
    process = serve(env, args.port)
    try:
        latencies, statuses, seconds = rush(args.port, f"/api/v1/offerings/{offering_id}/enrolments", keys,
                                            args.in_flight)
    finally:
        process.terminate()
        process.wait()
    app = report("enrolment rush", latencies, statuses, seconds)
    with psycopg.connect(url) as conn:
        confirmed, waiting, distinct = conn.execute(
            "SELECT count(*) FILTER (WHERE status='confirmed'), count(*) FILTER (WHERE status='waitlisted'), "
            "count(DISTINCT requested_at) FILTER (WHERE status='waitlisted') FROM enrolment_enrolment "
            "WHERE offering_id = %s", [offering_id]).fetchone()
    ok = (confirmed == args.seats and waiting == citizens - args.seats and distinct == waiting
          and set(statuses) <= {201})
    print(json.dumps({"confirmed": confirmed, "waitlisted": waiting, "distinct_waitlist_positions": distinct,
                      "correct": ok}), flush=True)
    process = serve(env, args.port + 1, urlconf="bench.bare_urls")
    try:
        latencies, statuses, seconds = rush(args.port + 1, f"/api/v1/offerings/{offering_id}/enrolments", keys,
                                            args.in_flight)
    finally:
        process.terminate()
        process.wait()
    bare = report("bare Django view", latencies, statuses, seconds)
    keys_file.unlink(missing_ok=True)
    print(f"rush: {app['rps']}/s p50 {app['p50']} p95 {app['p95']} p99 {app['p99']} ms; "
          f"bare view: {bare['rps']}/s p50 {bare['p50']} p95 {bare['p95']} p99 {bare['p99']} ms; correct={ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
