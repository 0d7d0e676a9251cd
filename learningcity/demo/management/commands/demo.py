"""`learningcity demo`: load Kermanshah and the demo accounts (safe to run again)."""

from django.core.management.base import BaseCommand
from django.urls import NoReverseMatch, reverse

from learningcity.demo.loaders import DEMO_PASSWORD, DemoLoadResult, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo city of Kermanshah: districts with population estimates, the Iranian cities of "
        "UNESCO's learning- and creative-city networks, learning domains, partner institutions and one "
        "demo account per role, all in one transaction. Running it again adds only what is missing and "
        "changes nothing else. Prints the demo accounts at the end of every run."
    )

    def handle(self, *args, **options):
        result = load_demo()
        self._summary(result)
        self._accounts(result)

    def _summary(self, result: DemoLoadResult) -> None:
        if not result.changed:
            self.stdout.write("The demo is already loaded; nothing changed.")
            return
        added = ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in sorted(result.created.items()) if count
        )
        self.stdout.write(self.style.SUCCESS(f"Loaded the demo city {result.city.name_en}: added {added}."))

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
