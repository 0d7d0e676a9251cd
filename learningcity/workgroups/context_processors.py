from .permissions import seats_of


def seats(request):
    """Whether the navigation offers "My tasks" (lazy: one query, only when the menu is drawn, once per request)."""
    user = getattr(request, "user", None)

    def has_seat() -> bool:
        return bool(user is not None and seats_of(user))

    return {"has_group_seat": has_seat}
