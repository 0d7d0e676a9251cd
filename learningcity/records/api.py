"""API of the records app."""

from ninja import Router

router = Router(tags=["records"])
