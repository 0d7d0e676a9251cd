"""`learningcity generate --citizens N --seed S`: synthetic citizens at city scale."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from learningcity.cities.models import City
from learningcity.demo.synthetic import (
    DEFAULT_BATCH,
    MAX_CITIZENS_PER_SEED,
    MAX_SEED,
    GenerationError,
    generate_citizens,
    mobile_for,
)


class Command(BaseCommand):
    help = (
        "Add N synthetic citizens to a city, the same ones for the same seed. District, sex and age are "
        "drawn together from the city's population figures (latest year, all ages: children are "
        "registered by their parents), so the synthetic city has the real one's shape. Names come from "
        "lists of common Persian and Kurdish names; mobile numbers from the reserved block 099SS000000 "
        "to 099SS999999 of seed SS, which demo accounts never use. Synthetic people cannot log in and "
        "get no audit entries of their own; one 'demo.generate' entry records the run. Numbers that "
        "already exist are skipped, so running the same command again adds nothing and exits 0, and an "
        "interrupted run is completed by running it again. Uses COPY on PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--citizens", type=int, required=True,
                            help=f"How many citizens (1 to {MAX_CITIZENS_PER_SEED:,} per seed).")
        parser.add_argument("--seed", type=int, default=1, help=f"0 to {MAX_SEED}; default 1.")
        parser.add_argument("--city", default=settings.DEFAULT_CITY_SLUG,
                            help="The city's slug (default: %(default)s).")
        parser.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                            help="Rows per batch; each batch is one transaction (default: %(default)s).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, citizens, seed, city, batch, no_progress, **options):
        city_obj = City.objects.filter(slug=city).first()
        if city_obj is None:
            raise CommandError(f"There is no city {city!r}. Load the demo first: `learningcity demo`.")
        show = not no_progress and sys.stderr.isatty()
        with tqdm(total=citizens, unit=" citizens", unit_scale=True, file=sys.stderr, disable=not show,
                  desc="Generating") as bar:
            try:
                result = generate_citizens(city=city_obj, count=citizens, seed=seed, batch_size=batch,
                                           progress=bar.update)
            except GenerationError as exc:
                raise CommandError(str(exc)) from exc
        if result.already_present:
            first, last = mobile_for(seed, 0), mobile_for(seed, citizens - 1)
            self.stdout.write(
                f"All {citizens:,} citizens of seed {seed} ({first}–{last}) are already there; nothing to do."
            )
            return
        rate = result.created / result.seconds if result.seconds else 0
        skipped = f", skipped {result.skipped:,} already present" if result.skipped else ""
        self.stdout.write(self.style.SUCCESS(
            f"Added {result.created:,} synthetic citizens to {city_obj.name_en} (seed {seed}, mobiles "
            f"{result.first_mobile}–{result.last_mobile}{skipped}) in {result.seconds:.1f} s "
            f"({rate:,.0f} a second, {result.method})."
        ))
