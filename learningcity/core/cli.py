"""The `learningcity` command: Django's management commands with the project's settings.

`learningcity demo`, `learningcity generate --citizens N --programmes M --enrolments K --seed S`,
`learningcity user create --role ROLE --mobile M --password P`, `learningcity migrate`, ...
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["learningcity", *sys.argv[1:]])


if __name__ == "__main__":
    main()
