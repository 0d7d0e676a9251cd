"""`learningcity generate [--citizens N] [--programmes M] [--enrolments K] --seed S`: synthetic data at scale."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from learningcity.cities.models import City
from learningcity.core.audit import audit_record
from learningcity.demo.synthetic import (
    DEFAULT_BATCH,
    MAX_CITIZENS_PER_SEED,
    MAX_SEED,
    GenerationError,
    generate_citizens,
    mobile_for,
)
from learningcity.demo.synthetic_catalogue import (
    DEFAULT_OFFERING_BATCH,
    DEFAULT_PROGRAMME_BATCH,
    MAX_PROGRAMMES_PER_SEED,
    CatalogueResult,
    generate_enrolments,
    generate_programmes,
)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


class Command(BaseCommand):
    help = (
        "Add synthetic citizens, programmes and enrolments to a city, the same ones for the same seed. "
        "Citizens: district, sex and age are drawn together from the city's population figures (latest "
        "year, all ages: children are registered by their parents), so the synthetic city has the real "
        "one's shape; names come from lists of common Persian and Kurdish names; mobile numbers from the "
        "reserved block 099SS000000 to 099SS999999 of seed SS, which demo accounts never use; they cannot "
        "log in. Programmes: titles and texts from templates over the city's learning domains and "
        "audiences in Persian and English, offered by its accredited partners, published, about three "
        "dated offerings each with sessions and venues across the districts, search keys filled. "
        "Enrolments: spread over the seed's offerings whose window had opened, from synthetic citizens "
        "only, seats first and then a waitlist in order, with the offerings' counters set to match. "
        "What exists is skipped, so running the same command again adds nothing and exits 0, and an "
        "interrupted run is completed by running it again. One 'demo.generate' audit entry records each "
        "run. Uses COPY on PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--citizens", type=int,
                            help=f"How many citizens (1 to {MAX_CITIZENS_PER_SEED:,} per seed).")
        parser.add_argument("--programmes", type=int,
                            help=f"How many programmes (1 to {MAX_PROGRAMMES_PER_SEED:,} per seed), with "
                                 "about three offerings each.")
        parser.add_argument("--enrolments", type=int,
                            help="How many enrolments, over the seed's programmes and the city's synthetic citizens.")
        parser.add_argument("--seed", type=int, default=1, help=f"0 to {MAX_SEED}; default 1.")
        parser.add_argument("--city", default=settings.DEFAULT_CITY_SLUG,
                            help="The city's slug (default: %(default)s).")
        parser.add_argument("--batch", type=int,
                            help=f"Rows per batch; each batch is one transaction (default: {DEFAULT_BATCH:,} "
                                 f"citizens, {DEFAULT_PROGRAMME_BATCH:,} programmes, "
                                 f"{DEFAULT_OFFERING_BATCH:,} offerings' enrolments).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, citizens, programmes, enrolments, seed, city, batch, no_progress, **options):
        if citizens is None and programmes is None and enrolments is None:
            raise CommandError("Say what to generate: --citizens N, --programmes M and/or --enrolments K.")
        city_obj = City.objects.filter(slug=city).first()
        if city_obj is None:
            raise CommandError(f"There is no city {city!r}. Load the demo first: `learningcity demo`.")
        self.show = not no_progress and sys.stderr.isatty()
        only_citizens = programmes is None and enrolments is None
        changes: dict = {"seed": seed}
        try:
            if citizens is not None:
                result = self._citizens(city_obj, citizens, seed, batch, audit=only_citizens)
                if result.created:
                    changes.update(result.changes)
            if only_citizens:
                return
            catalogue = CatalogueResult()
            if programmes is not None:
                with self._bar(programmes, "programmes") as bar:
                    generate_programmes(city=city_obj, count=programmes, seed=seed,
                                        batch_size=_or(batch, DEFAULT_PROGRAMME_BATCH), progress=bar.update,
                                        result=catalogue)
                self._report_programmes(city_obj, seed, catalogue)
            if enrolments is not None:
                with self._bar(enrolments, "enrolments") as bar:
                    generate_enrolments(city=city_obj, count=enrolments, seed=seed,
                                        batch_size=_or(batch, DEFAULT_OFFERING_BATCH), progress=bar.update,
                                        result=catalogue)
                self._report_enrolments(seed, catalogue)
        except GenerationError as exc:
            raise CommandError(str(exc)) from exc
        if len(changes) > 1 or catalogue.changed:
            changes.update(catalogue.audit_changes())
            with transaction.atomic():
                audit_record(actor=None, label="learningcity generate", action="demo.generate", city=city_obj,
                             changes=changes)

    def _bar(self, total: int, unit: str):
        return tqdm(total=total, unit=f" {unit}", unit_scale=True, file=sys.stderr, disable=not self.show,
                    desc="Generating")

    def _citizens(self, city_obj, citizens, seed, batch, *, audit):
        with self._bar(citizens, "citizens") as bar:
            result = generate_citizens(city=city_obj, count=citizens, seed=seed, batch_size=_or(batch, DEFAULT_BATCH),
                                       progress=bar.update, audit=audit)
        if result.already_present:
            first, last = mobile_for(seed, 0), mobile_for(seed, citizens - 1)
            self.stdout.write(
                f"All {citizens:,} citizens of seed {seed} ({first}–{last}) are already there; nothing to do."
            )
            return result
        rate = result.created / result.seconds if result.seconds else 0
        skipped = f", skipped {result.skipped:,} already present" if result.skipped else ""
        self.stdout.write(self.style.SUCCESS(
            f"Added {result.created:,} synthetic citizens to {city_obj.name_en} (seed {seed}, mobiles "
            f"{result.first_mobile}–{result.last_mobile}{skipped}) in {result.seconds:.1f} s "
            f"({rate:,.0f} a second, {result.method})."
        ))
        return result

    def _report_programmes(self, city_obj, seed: int, result: CatalogueResult) -> None:
        if not result.programmes:
            self.stdout.write(
                f"All {result.programmes_requested:,} programmes of seed {seed} are already there; nothing to do."
            )
            return
        seconds = result.programme_seconds
        rate = result.programmes / seconds if seconds else 0
        skipped = f", skipped {result.programmes_skipped:,} already present" if result.programmes_skipped else ""
        venues = f", {result.venues:,} venues" if result.venues else ""
        self.stdout.write(self.style.SUCCESS(
            f"Added {result.programmes:,} synthetic programmes to {city_obj.name_en} (seed {seed}{skipped}) with "
            f"{result.offerings:,} offerings, {result.sessions:,} sessions{venues} in {seconds:.1f} s "
            f"({rate:,.0f} programmes a second, {result.method})."
        ))

    def _report_enrolments(self, seed: int, result: CatalogueResult) -> None:
        if not result.enrolments:
            self.stdout.write(
                f"The enrolments of seed {seed} are already there ({result.offerings_skipped:,} offerings); "
                "nothing to do."
            )
            return
        seconds = result.enrolment_seconds
        rate = result.enrolments / seconds if seconds else 0
        skipped = (f", left {result.offerings_skipped:,} offerings that already had enrolments"
                   if result.offerings_skipped else "")
        self.stdout.write(self.style.SUCCESS(
            f"Added {result.enrolments:,} enrolments ({result.confirmed:,} confirmed, {result.waitlisted:,} "
            f"waiting) in {result.offerings_filled:,} offerings of seed {seed}{skipped} in {seconds:.1f} s "
            f"({rate:,.0f} a second, {result.method})."
        ))
