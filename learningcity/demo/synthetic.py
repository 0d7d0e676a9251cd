"""Synthetic citizens at city scale, for demos and benchmarks (`learningcity generate`).

Deterministic: one `random.Random(seed)` draws exactly three numbers per citizen, in citizen order,
so a seed always gives the same names, mobile numbers, districts, sexes and birth years, whatever the
batch size. District, sex and age come from one draw over the city's population table (every
district x sex x single year of age, weighted by the population figures), so the synthetic city has
the real city's shape, children included (parents register them).

Fast and memory-bounded: rows are produced by a generator and written in batches, with COPY on
PostgreSQL and executemany on SQLite, straight into the three tables a citizen needs (person,
citizen profile, citizen role). Synthetic people cannot log in (unusable password) and get no
audit entry each; one ``demo.generate`` entry records the run.

Mobile numbers live in a reserved block per seed, ``099SSIIIIII`` (SS = seed, IIIIII = index), which
demo accounts (0912...) never use. A re-run skips numbers that already exist, so running the same
command twice adds nothing and an interrupted run can be completed by running it again.
"""

import bisect
import datetime as dt
import itertools
import random
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from learningcity.accounts.models import CitizenProfile, RoleAssignment, User
from learningcity.cities.models import AgeBand, City, PopulationFigure, Sex
from learningcity.core.audit import audit_record
from learningcity.core.permissions import Role

from .names import FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES

MOBILE_PREFIX = "099"
MAX_SEED = 99
MAX_CITIZENS_PER_SEED = 1_000_000
DEFAULT_BATCH = 20_000
# The oldest age the open-ended band "65+" is spread over, with fewer people at each older age.
OLDEST_AGE = 99
# Jalali year Y begins in March of Gregorian year Y + 621; birth years are stored in Gregorian.
JALALI_TO_GREGORIAN = 621


class GenerationError(Exception):
    """The generator cannot run with these arguments (no such city, no population table, ...)."""


def mobile_for(seed: int, index: int) -> str:
    """The synthetic mobile number of citizen `index` of `seed`."""
    return f"{MOBILE_PREFIX}{seed:02d}{index:06d}"


def _ages(band: str) -> list[tuple[int, float]]:
    """Single years of age in a band with their relative weights."""
    low, _sep, high = band.partition("-")
    if high:
        return [(age, 1.0) for age in range(int(low), int(high) + 1)]
    start = int(low.rstrip("+"))
    return [(age, float(OLDEST_AGE + 1 - age)) for age in range(start, OLDEST_AGE + 1)]


@dataclass(frozen=True)
class PopulationSampler:
    """Draws (district, sex, birth year) in proportion to a city's population figures."""

    cells: tuple[tuple[int, str, int], ...]  # (district id, sex, birth year)
    cumulative: tuple[float, ...]
    year: int

    @classmethod
    def for_city(cls, city: City) -> "PopulationSampler":
        figures = PopulationFigure.objects.filter(district__city=city)
        year = figures.aggregate(year=Max("year"))["year"]
        if year is None:
            raise GenerationError(
                f"{city.name_en} has no population figures to draw citizens from; load them first "
                "(for Kermanshah: `learningcity demo`)."
            )
        reference_year = year + JALALI_TO_GREGORIAN
        cells: list[tuple[int, str, int]] = []
        cumulative: list[float] = []
        total = 0.0
        rows = figures.filter(year=year, count__gt=0).order_by("district__number", "sex", "age_band")
        for district_id, sex, band, count in rows.values_list("district_id", "sex", "age_band", "count"):
            if sex not in Sex.values or band not in AgeBand.values:
                continue
            ages = _ages(band)
            band_weight = sum(weight for _age, weight in ages)
            for age, weight in ages:
                total += count * weight / band_weight
                cells.append((district_id, sex, reference_year - age))
                cumulative.append(total)
        return cls(cells=tuple(cells), cumulative=tuple(cumulative), year=year)

    def draw(self, u: float) -> tuple[int, str, int]:
        """The cell at quantile `u` (0 <= u < 1) of the population."""
        index = bisect.bisect_right(self.cumulative, u * self.cumulative[-1])
        return self.cells[min(index, len(self.cells) - 1)]


# (index, mobile, name, district id, sex, birth year)
SyntheticCitizen = tuple[int, str, str, int, str, int]


def synthetic_citizens(
    *, seed: int, count: int, sampler: PopulationSampler, skip: Callable[[int], bool] | None = None
) -> Iterator[SyntheticCitizen]:
    """Citizens 0..count-1 of `seed`, lazily; `skip(index)` leaves one out but still draws it."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    draw_number = rng.random
    female, male, family = FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, FAMILY_NAMES
    n_female, n_male, n_family = len(female), len(male), len(family)
    draw_cell = sampler.draw
    prefix = f"{MOBILE_PREFIX}{seed:02d}"
    for index in range(count):
        district_id, sex, birth_year = draw_cell(draw_number())
        if sex == Sex.FEMALE:
            given = female[int(draw_number() * n_female)]
        else:
            given = male[int(draw_number() * n_male)]
        family_name = family[int(draw_number() * n_family)]
        if skip is not None and skip(index):
            continue
        yield index, f"{prefix}{index:06d}", f"{given} {family_name}", district_id, sex, birth_year


def batched(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# --- writers: one batch of citizens into accounts_user, accounts_citizenprofile, accounts_roleassignment


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model, names: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)


USER_FIELDS = ("id", "password", "last_login", "is_superuser", "mobile", "name", "email", "national_code",
               "preferred_language", "is_active", "is_staff", "date_joined")
PROFILE_FIELDS = ("user", "city", "district", "birth_year", "sex", "has_disability", "statistics_consent_at")
ROLE_FIELDS = ("user", "role", "city", "country", "granted_at")


class _Writer:
    method = ""

    def __init__(self, *, city: City, password: str, now: dt.datetime):
        self.city_id = city.pk
        self.password = password
        self.now = now

    def write(self, batch: list[SyntheticCitizen]) -> None:
        raise NotImplementedError


class PostgresCopyWriter(_Writer):
    """COPY in text format; ids come from the person table's own sequence, so concurrent sign-ups are safe."""

    method = "copy"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.now_text = self.now.isoformat(sep=" ")
        def copy(model, names):
            return f"COPY {_table(model)} ({_columns(model, names)}) FROM STDIN"

        self.user_copy = copy(User, USER_FIELDS)
        self.profile_copy = copy(CitizenProfile, PROFILE_FIELDS)
        self.role_copy = copy(RoleAssignment, ROLE_FIELDS)
        self.ids_sql = (
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
        )

    def write(self, batch: list[SyntheticCitizen]) -> None:
        # Names come from our own lists and numbers from formatting: nothing needs COPY escaping.
        now, city, password = self.now_text, self.city_id, self.password
        with connection.cursor() as cursor:
            cursor.execute(self.ids_sql, [User._meta.db_table, "id", len(batch)])
            ids = [row[0] for row in cursor.fetchall()]
            users = "".join(
                f"{uid}\t{password}\t\\N\tf\t{mobile}\t{name}\t\t\\N\tfa\tt\tf\t{now}\n"
                for uid, (_i, mobile, name, _d, _s, _b) in zip(ids, batch, strict=True)
            )
            with cursor.copy(self.user_copy) as copy:
                copy.write(users.encode())
            del users
            profiles = "".join(
                f"{uid}\t{city}\t{district}\t{birth}\t{sex}\t\\N\t\\N\n"
                for uid, (_i, _m, _n, district, sex, birth) in zip(ids, batch, strict=True)
            )
            with cursor.copy(self.profile_copy) as copy:
                copy.write(profiles.encode())
            del profiles
            roles = "".join(f"{uid}\t{Role.CITIZEN.value}\t{city}\t\t{now}\n" for uid in ids)
            with cursor.copy(self.role_copy) as copy:
                copy.write(roles.encode())


class SqliteWriter(_Writer):
    """executemany with explicit ids, taken after the highest id ever used while holding the write lock."""

    method = "executemany"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.now_value = connection.ops.adapt_datetimefield_value(self.now)

        def insert(model, names):
            marks = ", ".join(["%s"] * len(names))
            # Table and column names come from the models, never from input.
            return f"INSERT INTO {_table(model)} ({_columns(model, names)}) VALUES ({marks})"  # noqa: S608

        self.user_insert = insert(User, USER_FIELDS)
        self.profile_insert = insert(CitizenProfile, PROFILE_FIELDS)
        self.role_insert = insert(RoleAssignment, ROLE_FIELDS)

    def _next_id(self, cursor) -> int:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_table(User)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [User._meta.db_table])
        row = cursor.fetchone()
        return max(highest, row[0] if row else 0) + 1

    def write(self, batch: list[SyntheticCitizen]) -> None:
        now, city, password = self.now_value, self.city_id, self.password
        with connection.cursor() as cursor:
            first = self._next_id(cursor)
            ids = range(first, first + len(batch))
            cursor.executemany(self.user_insert, [
                (uid, password, None, False, mobile, name, "", None, "fa", True, False, now)
                for uid, (_i, mobile, name, _d, _s, _b) in zip(ids, batch, strict=True)
            ])
            cursor.executemany(self.profile_insert, [
                (uid, city, district, birth, sex, None, None)
                for uid, (_i, _m, _n, district, sex, birth) in zip(ids, batch, strict=True)
            ])
            cursor.executemany(self.role_insert, [(uid, Role.CITIZEN.value, city, "", now) for uid in ids])


def writer_for(**kwargs) -> _Writer:
    if connection.vendor == "postgresql":
        return PostgresCopyWriter(**kwargs)
    if connection.vendor == "sqlite":
        return SqliteWriter(**kwargs)
    raise GenerationError(f"Generating citizens is not supported on {connection.vendor}.")


# --- the run ------------------------------------------------------------------------------------


@dataclass
class GenerationResult:
    requested: int
    created: int
    skipped: int
    first_mobile: str
    last_mobile: str
    method: str
    seconds: float = 0.0
    # What the run's audit entry says about the citizens (filled when any were added).
    changes: dict = field(default_factory=dict)

    @property
    def already_present(self) -> bool:
        return self.created == 0 and self.skipped == self.requested


def existing_indices(seed: int, count: int) -> tuple[int, set[int] | None]:
    """How many of this seed's first `count` numbers are taken, and which (only when some, not all, are)."""
    low, high = mobile_for(seed, 0), mobile_for(seed, count - 1)
    taken = User.objects.filter(mobile__gte=low, mobile__lte=high)
    present = taken.count()
    if present in (0, count):
        return present, None
    start = len(MOBILE_PREFIX) + 2
    mobiles = taken.values_list("mobile", flat=True).iterator(chunk_size=50_000)
    return present, {int(mobile[start:]) for mobile in mobiles}


def generate_citizens(
    *,
    city: City,
    count: int,
    seed: int,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
    audit: bool = True,
) -> GenerationResult:
    """Add `count` synthetic citizens of `seed` to `city`, skipping any whose mobile number exists.

    Each batch commits on its own, so the web site keeps working during a long run and an
    interrupted run keeps what it wrote; running the same command again completes it. With
    `audit=False` the caller writes the run's one audit entry (`result.changes` says what to record).
    """
    if not 0 <= seed <= MAX_SEED:
        raise GenerationError(f"The seed must be between 0 and {MAX_SEED}.")
    if not 1 <= count <= MAX_CITIZENS_PER_SEED:
        raise GenerationError(
            f"One seed makes at most {MAX_CITIZENS_PER_SEED:,} citizens; use more seeds for more people."
        )
    if batch_size < 1:
        raise GenerationError("The batch size must be at least 1.")
    started = timezone.now()
    sampler = PopulationSampler.for_city(city)
    present, taken = existing_indices(seed, count)
    result = GenerationResult(
        requested=count, created=0, skipped=present, first_mobile=mobile_for(seed, 0),
        last_mobile=mobile_for(seed, count - 1), method="",
    )
    if progress is not None and present:
        progress(present)
    if present == count:
        return result
    # One unusable password for everyone ("!" + random, like set_unusable_password): nobody logs in.
    writer = writer_for(city=city, password="!" + secrets.token_urlsafe(30), now=started)
    result.method = writer.method
    rows = synthetic_citizens(seed=seed, count=count, sampler=sampler,
                              skip=taken.__contains__ if taken else None)
    for batch in batched(rows, batch_size):
        with transaction.atomic():
            writer.write(batch)
        result.created += len(batch)
        if progress is not None:
            progress(len(batch))
    result.changes = {
        "seed": seed, "requested": count, "created": result.created, "skipped": result.skipped,
        "mobiles": [result.first_mobile, result.last_mobile], "method": result.method,
        "population_year": sampler.year,
    }
    if audit:
        with transaction.atomic():
            audit_record(actor=None, label="learningcity generate", action="demo.generate", city=city,
                         changes=result.changes)
    result.seconds = (timezone.now() - started).total_seconds()
    return result
