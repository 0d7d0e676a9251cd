"""API of the enrolment app."""

from ninja import Router

router = Router(tags=["enrolment"])
