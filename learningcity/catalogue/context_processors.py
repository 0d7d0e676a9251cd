from .permissions import may_open_console


def console(request):
    """Whether the navigation offers the provider console to this person (lazy: one query only when shown)."""
    city = getattr(request, "city", None)
    user = getattr(request, "user", None)

    def allowed() -> bool:
        return bool(user is not None and may_open_console(user, city))

    return {"can_open_console": allowed}
