"""`learningcity digest [--dry-run]`: send the weekly working-group digests now."""

from django.core.management.base import BaseCommand
from django.utils import translation

from learningcity.workgroups.selectors.tasks import digests_due
from learningcity.workgroups.services.tasks import digests_send


class Command(BaseCommand):
    help = (
        "Send each working-group member one digest of what changed since their last one (or the last 7 days): "
        "task updates and comments, new tasks given to them, new decisions, meetings in the coming week and "
        "their overdue tasks, grouped by group, newest first. An email when the person has an address, else a "
        "short text message. People with nothing new are skipped; running it again within the hour sends "
        "nothing. The same job runs every Saturday at 08:00 through Celery beat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="List who would receive a digest and how many items, without sending or recording.")

    def handle(self, *args, dry_run: bool = False, **options):
        if dry_run:
            digests = digests_due()
            with translation.override("en"):
                for digest in digests:
                    person = digest.user
                    channel = "email" if person.email else "sms"
                    groups = ", ".join(section.group.name for section in digest.sections)
                    self.stdout.write(f"{person.mobile}\t{channel}\t{digest.items} items ({digest.new} new)\t{groups}")
            self.stdout.write(f"{len(digests)} digests would be sent (dry run: nothing sent or recorded).")
            return
        sent = digests_send()
        self.stdout.write(self.style.SUCCESS(f"{sent} digests sent."))
