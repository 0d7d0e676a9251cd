"""`learningcity demo`: load Kermanshah, the demo accounts and a year of learning (safe to run again)."""

from django.core.management.base import BaseCommand
from django.urls import NoReverseMatch, reverse

from learningcity.demo.loaders import DEMO_PASSWORD, DemoLoadResult, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo city of Kermanshah: districts with population estimates, the Iranian cities of "
        "UNESCO's learning- and creative-city networks, learning domains, partner institutions, one "
        "demo account per role, and a year of learning: 169 programmes with their venues and dated "
        "offerings (counted from today), 400 synthetic learners, enrolments, waitlists, attendance, "
        "completions with certificates and ratings, seven working groups with their meetings, decisions "
        "and tasks, and this year's action plan with its progress, all through the services and in one "
        "transaction. "
        "No text message or email is sent to demo people. Running it again, on any day, adds only what "
        "is missing and changes nothing else. Prints the demo accounts at the end of every run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-programmes", action="store_true",
                            help="Stop after the city, partners and accounts (a few seconds).")
        parser.add_argument("--no-activity", action="store_true",
                            help="Add the programmes and offerings but replay no year in them: quick, for tests. "
                                 "The year is only replayed in offerings a run adds, so a later full run will not "
                                 "add it to these.")

    def handle(self, *args, no_programmes=False, no_activity=False, **options):
        result = load_demo(programmes=not no_programmes, activity=not no_activity)
        self._summary(result)
        self._accounts(result)

    @staticmethod
    def _counts(counter) -> str:
        return ", ".join(f"{count:,} {name.replace('_', ' ')}" for name, count in sorted(counter.items()) if count)

    def _summary(self, result: DemoLoadResult) -> None:
        if not result.changed:
            self.stdout.write("The demo is already loaded; nothing changed.")
            return
        self.stdout.write(self.style.SUCCESS(
            f"Loaded the demo city {result.city.name_en} in {result.seconds:.1f} s: added "
            f"{self._counts(result.created)}."
        ))
        if any(result.activity.values()):
            self.stdout.write(f"Replayed the past year: {self._counts(result.activity)}.")
        if any(result.withheld.values()):
            self.stdout.write(
                f"Not sent to demo people (their numbers may be real): {self._counts(result.withheld)}."
            )
        if any(result.skipped.values()):
            self.stdout.write(self.style.WARNING(f"Left out: {self._counts(result.skipped)}."))

    def _accounts(self, result: DemoLoadResult) -> None:
        try:
            login = reverse("accounts:login")
        except NoReverseMatch:
            login = "/fa/accounts/login/"
        header = ("account", "mobile", "password", "name", "role", "where")
        rows = [
            (row.account.key, row.account.mobile, DEMO_PASSWORD, row.account.name, row.account.description,
             row.scope)
            for row in result.accounts
        ]
        widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
        line = "  ".join(f"{{:<{width}}}" for width in widths)
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (log in at {login} with the mobile number and the password):")
        self.stdout.write(line.format(*header))
        self.stdout.write(line.format(*("-" * width for width in widths)))
        for row in rows:
            self.stdout.write(line.format(*row).rstrip())
        if any(not row.created for row in result.accounts):
            self.stdout.write(
                "Accounts that already existed keep their password; reset a changed one with "
                "`learningcity changepassword MOBILE`."
            )
