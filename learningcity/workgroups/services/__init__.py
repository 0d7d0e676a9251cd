"""Writes for working groups and the action plan, one module per area; import from here."""

from .documents import *  # noqa: F403
from .groups import *  # noqa: F403
from .meetings import *  # noqa: F403
from .plan import *  # noqa: F403
from .tasks import *  # noqa: F403
