"""Benchmark programme search and the programme page on PostgreSQL.

    python -m bench.search                         # 100,000 programmes, 3 offerings each, 3 sessions each
    python -m bench.search --programmes 20000      # smaller
    python -m bench.search --keep --reuse          # keep the data between runs / measure again without rebuilding
    BENCH_POSTGRES_URL=postgres://user@host:5432 python -m bench.search

Creates the database (default lc_bench_search) from template0 with a UTF-8 ctype, migrates it, writes a city
with 8 districts, 30 learning domains, 300 partners, 400 venues and N programmes (90 % published) built
from a Persian/English vocabulary of 60 topics (with glued, ZWNJ and Arabic-letter spellings mixed in), each
with 3 offerings spread over the year and 3 sessions per offering, all with COPY (the search table is filled
once at the end, `search.refresh_search_entries`). Then it measures, in
this process with Django's test client (no network), the server-side time of:

- the search selector: reading the query string, the summary and facet counts, the first page of 20
  results with their prefetches, and the map points (`programme_search_outcome` and friends);
- the search page view (`GET /fa/programmes/?q=...`), templates included;
- the programme page view (`GET /fa/programmes/<id>/`).

Each search is measured cold (the search cache off: every search runs its statement over the search table)
and warm (the same search was made just before, so the cache keyed on the table's version answers), and
with the mean CPU time per request of this process and its database backend next to the wall-clock
percentiles, since other work on the machine stretches the latter.

Searches are one- and two-word Persian queries, each with one of eight filter combinations (none, district,
free, life stage, seats left, a Jalali start date, district + seats left, online + free).
Targets (issue 4): search p95 < 50 ms, programme page p95 < 30 ms.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SEARCH_TARGET_MS = 50
PAGE_TARGET_MS = 30

TOPICS = [
    ("سواد رسانه‌ای", "media literacy"), ("عکاسی", "photography"), ("سفالگری", "pottery"),
    ("خوشنویسی", "calligraphy"), ("برنامه‌نویسی پایتون", "python programming"), ("زبان انگلیسی", "english"),
    ("کمک‌های اولیه", "first aid"), ("باغبانی شهری", "urban gardening"), ("آشپزی سنتی", "traditional cooking"),
    ("حسابداری", "bookkeeping"), ("مهارت‌های زندگی", "life skills"), ("کتاب‌خوانی", "reading circle"),
    ("تنبور", "tanbur"), ("نقاشی آبرنگ", "watercolour"), ("قالیبافی", "carpet weaving"),
    ("فرزندپروری", "parenting"), ("کارآفرینی", "entrepreneurship"), ("بازاریابی دیجیتال", "digital marketing"),
    ("سواد مالی", "financial literacy"), ("ایمنی در برابر زلزله", "earthquake safety"), ("یوگا", "yoga"),
    ("شطرنج", "chess"), ("رباتیک", "robotics"), ("نجوم", "astronomy"), ("تاریخ کرمانشاه", "history of kermanshah"),
    ("زبان کردی", "kurdish"), ("سواد دیجیتال", "digital literacy"), ("تعمیر موبایل", "phone repair"),
    ("خیاطی", "sewing"), ("نجاری", "carpentry"), ("برق ساختمان", "building electrics"),
    ("تغذیه سالم", "healthy eating"),
    ("مدیریت استرس", "stress management"), ("سخنرانی", "public speaking"), ("داستان‌نویسی", "story writing"),
    ("تئاتر", "theatre"), ("موسیقی کودک", "music for children"), ("ریاضی شاد", "fun maths"),
    ("محیط زیست", "environment"), ("بازیافت", "recycling"), ("حقوق شهروندی", "citizens' rights"),
    ("کتابخانه گردی", "library tours"), ("فتوشاپ", "photoshop"), ("اکسل", "excel"), ("هوش مصنوعی", "ai"),
    ("گردشگری", "tourism"), ("صنایع دستی", "handicrafts"), ("گیوه‌دوزی", "giveh making"), ("زبان عربی", "arabic"),
    ("قرآن", "quran"), ("شنا", "swimming"), ("دوچرخه‌سواری", "cycling"), ("پیشگیری از اعتیاد", "addiction prevention"),
    ("سلامت روان", "mental health"), ("مراقبت از سالمند", "elder care"), ("رانندگی ایمن", "safe driving"),
    ("بورس", "stock market"), ("عکاسی با موبایل", "mobile photography"), ("طراحی وب", "web design"),
    ("نویسندگی خلاق", "creative writing"),
]
FORMS = [("کارگاه", "workshop"), ("دوره", "course"), ("کلاس", "class"), ("حلقه", "circle"), ("آموزش", "training")]
AUDIENCES = [("", ""), ("برای کودکان", "for children"), ("برای نوجوانان", "for teenagers"),
             ("برای بانوان", "for women"), ("برای سالمندان", "for seniors"), ("برای والدین", "for parents"),
             ("برای جویندگان کار", "for job seekers")]
LEVELS = [("مقدماتی", "introductory"), ("پیشرفته", "advanced"), ("سطح ۱", "level 1"), ("سطح ۲", "level 2"), ("", "")]
VARIANTS = {"ی": "ي", "ک": "ك"}  # some partners type Arabic letters
ONE_WORD = ["عکاسی", "سفالگری", "خوشنویسی", "رسانه", "کتابخانه", "یوگا", "حسابداری", "تنبور", "نجوم", "کودکان"]
TWO_WORD = ["سواد رسانه‌ای", "سواد رسانهاي", "زبان انگلیسی", "کمک های اولیه", "باغبانی شهری", "آشپزی سنتی",
            "کتاب خانه", "برنامه نویسی", "سواد مالی", "مهارت زندگی"]
LIFE_STAGES = ["children", "teenagers", "youth", "adults", "seniors"]


def recreate_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8'").format(
            sql.Identifier(name)))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _square(lon: float, lat: float, size: float) -> dict:
    h = size / 2
    ring = [[lon - h, lat - h], [lon + h, lat - h], [lon + h, lat + h], [lon - h, lat + h], [lon - h, lat - h]]
    return {"type": "Polygon", "coordinates": [ring]}


def build(programmes: int, offerings_per: int, sessions_per: int, rng: random.Random) -> None:
    """The city, its lists and N programmes with offerings and sessions, bulk-written with COPY."""
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from learningcity.catalogue import search
    from learningcity.catalogue.models import Audience, LearningDomain, Venue
    from learningcity.cities.models import City, District
    from learningcity.core.text import normalise_for_search
    from learningcity.institutions.models import Accreditation, Institution, InstitutionType

    started = time.perf_counter()
    city, _ = City.objects.get_or_create(slug="kermanshah", defaults={
        "name_fa": "کرمانشاه", "name_en": "Kermanshah", "country": "IR", "hosts_platform": True})
    districts = [
        District.objects.create(city=city, number=n + 1, name_fa=f"منطقه {n + 1}", name_en=f"District {n + 1}",
                                boundary=_square(47.0 + 0.05 * (n % 4), 34.30 + 0.05 * (n // 4), 0.05))
        for n in range(8)
    ]
    domains = []
    for n in range(10):
        parent = LearningDomain.objects.create(city=city, slug=f"domain-{n}", name_fa=f"حوزه {n}",
                                               name_en=f"Domain {n}", position=n)
        domains.append(parent)
        for m in range(2):
            domains.append(LearningDomain.objects.create(city=city, slug=f"domain-{n}-{m}", parent=parent,
                                                         name_fa=f"حوزه {n}-{m}", name_en=f"Domain {n}-{m}"))
    institutions = Institution.objects.bulk_create([
        Institution(city=city, slug=f"partner-{n}", type=InstitutionType.NGO, name_fa=f"مؤسسه آموزشی {n}",
                    name_en=f"Learning institute {n}", accreditation=Accreditation.ACCREDITED,
                    search_key=normalise_for_search(f"مؤسسه آموزشی {n} learning institute {n}"))
        for n in range(300)
    ])
    venues = []
    for n in range(400):
        place = districts[n % 8]
        lon, lat = _square_centre(place.boundary)
        has_point = n % 10 != 0
        venues.append(Venue(
            city=city, institution=institutions[n % 300], name_fa=f"سالن {n}", name_en=f"Hall {n}", district=place,
            latitude=Decimal(f"{lat + rng.uniform(-0.02, 0.02):.6f}") if has_point else None,
            longitude=Decimal(f"{lon + rng.uniform(-0.02, 0.02):.6f}") if has_point else None))
    venues = Venue.objects.bulk_create(venues)
    life_stage_ids = dict(Audience.objects.filter(code__in=LIFE_STAGES).values_list("code", "pk"))
    now = timezone.now()
    today = timezone.localdate()

    programme_columns = [
        "created_at", "updated_at", "city_id", "institution_id", "title_fa", "title_en", "description_fa",
        "description_en", "outcomes_fa", "outcomes_en", "level", "language", "format", "fee_rials", "hours",
        "prerequisites_fa", "prerequisites_en", "accessibility_fa", "accessibility_en", "key_features",
        "sdg_targets", "status", "review_note", "published_at", "search_key", "rating_count", "rating_sum",
    ]
    programme_rows = []
    topics_of = []
    for _n in range(programmes):
        topic_i = rng.randrange(len(TOPICS))
        topic, form, audience, level = TOPICS[topic_i], rng.choice(FORMS), rng.choice(AUDIENCES), rng.choice(LEVELS)
        title_fa = " ".join(part for part in (form[0], topic[0], level[0], audience[0]) if part)
        if rng.random() < 0.1:  # Arabic letters, glued or spaced forms as partners type them
            title_fa = title_fa.translate(str.maketrans(VARIANTS))
        if rng.random() < 0.1:
            title_fa = title_fa.replace("\u200c", "" if rng.random() < 0.5 else " ")
        title_en = " ".join(part for part in (topic[1].capitalize(), form[1], level[1], audience[1]) if part)
        description_fa = f"در این {form[0]} با {topic[0]} آشنا می‌شوید و تمرین می‌کنید. {rng.choice(TOPICS)[0]}"
        description_en = f"An {level[1] or 'open'} {form[1]} on {topic[1]} with practice."
        institution = institutions[rng.randrange(300)]
        status = "published" if rng.random() < 0.9 else rng.choice(["draft", "submitted", "archived"])
        fee = 0 if rng.random() < 0.4 else rng.choice([500_000, 1_200_000, 3_000_000])
        key = normalise_for_search(" ".join([title_fa, title_en, description_fa, description_en,
                                             institution.name_fa, institution.name_en]))
        published = now - dt.timedelta(days=rng.randrange(365)) if status == "published" else None
        programme_rows.append((
            now, now, city.pk, institution.pk, title_fa[:200], title_en[:200], description_fa, description_en,
            "", "", "all", rng.choice(["fa", "fa", "fa", "ku", "en"]), rng.choice(["in_person", "in_person", "online",
                                                                                    "hybrid"]),
            fee, Decimal(rng.choice([6, 8, 12, 20, 30])), "", "", "", "", "[]", "[]", status, "", published, key, 0, 0,
        ))
        topics_of.append(topic_i)

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        # The search table's triggers would refresh every programme after each COPY: once, at the end, is enough.
        search.defer_search_entries(cursor)
        _copy(raw, "catalogue_programme", programme_columns, programme_rows)
        ids = [row[0] for row in _fetch(raw, "SELECT id FROM catalogue_programme ORDER BY id")]
        domain_rows, stage_rows = [], []
        for pk, topic_i in zip(ids, topics_of, strict=True):
            domain_rows.append((pk, domains[topic_i % len(domains)].pk))
            if rng.random() < 0.3:
                domain_rows.append((pk, domains[(topic_i * 7 + 3) % len(domains)].pk))
            for code in rng.sample(LIFE_STAGES, rng.choice([1, 1, 2])):
                stage_rows.append((pk, life_stage_ids[code]))
        _copy(raw, "catalogue_programme_domains", ["programme_id", "learningdomain_id"],
              list(dict.fromkeys(domain_rows)))
        _copy(raw, "catalogue_programme_life_stages", ["programme_id", "audience_id"], stage_rows)

        offering_columns = [
            "created_at", "updated_at", "programme_id", "city_id", "venue_id", "online_url", "capacity",
            "enrolment_opens_at", "enrolment_closes_at", "waitlist_policy", "offer_hours", "completion_rule",
            "attendance_percent", "status", "cancel_reason", "starts_on", "ends_on", "confirmed_count",
            "offered_count", "waitlist_count",
        ]
        offering_rows, starts = [], []
        for pk in ids:
            for _n in range(offerings_per):
                start = today + dt.timedelta(days=rng.randrange(-60, 300))
                capacity = rng.choice([10, 15, 20, 30])
                confirmed = rng.randrange(capacity + 1)
                status = "cancelled" if rng.random() < 0.03 else ("finished" if start < today - dt.timedelta(
                    days=30) else "scheduled")
                opens = timezone.make_aware(dt.datetime.combine(start - dt.timedelta(days=30), dt.time(8)))
                offering_rows.append((
                    now, now, pk, city.pk, venues[rng.randrange(400)].pk, "", capacity, opens,
                    opens + dt.timedelta(days=28), "auto_confirm", 24, "attendance", 75, status, "", start,
                    start + dt.timedelta(weeks=sessions_per - 1), confirmed, 0,
                    rng.randrange(5) if confirmed == capacity else 0,
                ))
                starts.append(start)
        _copy(raw, "catalogue_offering", offering_columns, offering_rows)
        offering_ids = [row[0] for row in _fetch(raw, "SELECT id FROM catalogue_offering ORDER BY id")]
        session_rows = []
        for pk, start in zip(offering_ids, starts, strict=True):
            first = timezone.make_aware(dt.datetime.combine(start, dt.time(17)))
            for week in range(sessions_per):
                begins = first + dt.timedelta(weeks=week)
                session_rows.append((pk, begins, begins + dt.timedelta(hours=2), ""))
        _copy(raw, "catalogue_session", ["offering_id", "starts_at", "ends_at", "online_url"], session_rows)
        search.refresh_search_entries(cursor, ids)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {programmes:,} programmes, {len(offering_rows):,} offerings, {len(session_rows):,} sessions "
          f"in {time.perf_counter() - started:.1f} s", flush=True)


def _square_centre(boundary: dict) -> tuple[float, float]:
    ring = boundary["coordinates"][0][:-1]
    return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)


def _copy(raw_cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with raw_cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _fetch(raw_cursor, query: str) -> list[tuple]:
    raw_cursor.execute(query)
    return raw_cursor.fetchall()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _backend_cpu_ms() -> float | None:
    """CPU time the database backend of this process's connection has used (Linux, local server), or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(samples: int, rng: random.Random, modes: list[str]) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Timings per kind of request, and the mean CPU ms per request (this process plus its database
    backend: what a request costs whatever else the machine is doing)."""
    from django.test import Client
    from django.utils import timezone, translation

    from learningcity.catalogue import selectors
    from learningcity.catalogue.models import Programme, ProgrammeStatus
    from learningcity.catalogue.selectors import PAGE_SIZE, programme_search_outcome
    from learningcity.cities.models import City

    city = City.objects.get(slug="kermanshah")
    jalali_start = _jalali(timezone.localdate() + dt.timedelta(days=30))
    combos = [{}, {"district": "3"}, {"free": "1"}, {"life_stage": "adults"}, {"has_seats": "1"},
              {"starts_after": jalali_start}, {"district": "5", "has_seats": "1"}, {"format": "online", "free": "1"}]
    client = Client()
    published = list(Programme.objects.filter(status=ProgrammeStatus.PUBLISHED).values_list("pk", flat=True))
    timings: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    slowest: dict[str, tuple[float, str]] = {}

    def timed(name: str, label: str, work) -> None:
        backend = _backend_cpu_ms()
        process = time.process_time()
        started = time.perf_counter()
        work()
        elapsed = (time.perf_counter() - started) * 1000
        used = (time.process_time() - process) * 1000
        if backend is not None:
            used += _backend_cpu_ms() - backend
        timings.setdefault(name, []).append(elapsed)
        cpu.setdefault(name, []).append(used)
        if elapsed > slowest.get(name, (0.0, ""))[0]:
            slowest[name] = (elapsed, label)

    def selector(params: dict) -> None:
        outcome = programme_search_outcome(city=city, data=params)
        list(outcome.results()[:PAGE_SIZE])
        outcome.search.map_points()

    def page(path: str, params: dict | None = None) -> None:
        response = client.get(path, params or {})
        if response.status_code != 200:
            raise RuntimeError(f"{path} {params}: {response.status_code}")

    cache_seconds = selectors.SEARCH_CACHE_SECONDS
    with translation.override("fa"):
        for mode in modes:
            # cold: no cache, every search runs its statement; warm: the same search was made just before.
            selectors.SEARCH_CACHE_SECONDS = 0 if mode == "cold" else cache_seconds
            for words, queries in (("1 word", ONE_WORD), ("2 words", TWO_WORD)):
                for n in range(3):  # warm the connections and PostgreSQL's buffers
                    selector({"q": queries[n], **combos[n]})
                    page("/fa/programmes/", {"q": queries[n], **combos[n]})
                for n in range(samples):
                    params = {"q": queries[n % len(queries)], **combos[(n // len(queries)) % len(combos)]}
                    label = repr(params)
                    if mode == "warm":
                        selector(params)
                    timed(f"search selector, {words}, {mode}", label, lambda params=params: selector(params))
                    timed(f"search page, {words}, {mode}", label, lambda params=params: page("/fa/programmes/", params))
        selectors.SEARCH_CACHE_SECONDS = cache_seconds
        for pk in rng.sample(published, min(3, len(published))):
            page(f"/fa/programmes/{pk}/")
        for pk in rng.sample(published, min(samples, len(published))):
            timed("programme page", str(pk), lambda pk=pk: page(f"/fa/programmes/{pk}/"))
    for name, (elapsed, label) in slowest.items():
        print(f"  slowest {name}: {elapsed:.1f} ms for {label}")
    return timings, {name: statistics.mean(values) for name, values in cpu.items()}


def _jalali(day: dt.date) -> str:
    import jdatetime

    return jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--programmes", type=int, default=100_000)
    parser.add_argument("--offerings", type=int, default=3, help="Offerings per programme.")
    parser.add_argument("--sessions", type=int, default=3, help="Sessions per offering.")
    parser.add_argument("--samples", type=int, default=200, help="Measurements per kind of request.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="lc_bench_search")
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database name (env BENCH_POSTGRES_URL).")
    parser.add_argument("--pg-options", default="-c jit=off -c random_page_cost=1.1",
                        help="PostgreSQL session settings (PGOPTIONS) for the measured connections; '' for the "
                             "server's defaults. JIT compiles the facet queries for longer than they run, and "
                             "random_page_cost=1.1 (SSD) lets the planner use the trigram index.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Measure an existing database (from --keep).")
    parser.add_argument("--modes", default="cold,warm",
                        help="Search cache modes to measure: cold (no cache: every search runs its statement) "
                             "and/or warm (the same search was made just before; the cache answers).")
    args = parser.parse_args(argv)

    server = args.server.rstrip("/")
    rng = random.Random(args.seed)
    if not args.reuse:
        print(f"creating {args.database} on {server} ...", flush=True)
        recreate_database(server, args.database)
    if args.pg_options:
        os.environ["PGOPTIONS"] = args.pg_options
    print(f"session settings (PGOPTIONS): {args.pg_options or '(server defaults)'}", flush=True)
    setup_django(f"{server}/{args.database}")
    from django.core.management import call_command

    if not args.reuse:
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        build(args.programmes, args.offerings, args.sessions, rng)
    timings, cpu = measure(args.samples, rng, [mode.strip() for mode in args.modes.split(",") if mode.strip()])
    print(f"RESULT search ({args.programmes:,} programmes, {args.programmes * args.offerings:,} offerings), "
          f"server-side ms (cpu: mean CPU ms per request, this process and its database backend):")
    print(f"  {'':34} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'cpu':>7}  target")
    for name, values in timings.items():
        target = PAGE_TARGET_MS if name == "programme page" else SEARCH_TARGET_MS
        p95 = percentile(values, 0.95)
        print(f"  {name:34} {statistics.median(values):7.1f} {p95:7.1f} {percentile(values, 0.99):7.1f} "
              f"{max(values):7.1f} {cpu[name]:7.1f}  p95 < {target}: {'yes' if p95 < target else 'NO'}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.database)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
