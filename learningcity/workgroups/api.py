"""Working groups and the action plan in the API — to be written."""

from ninja import Router

router = Router(tags=["working groups"])
