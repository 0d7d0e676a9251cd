from ninja.security import HttpBearer


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` from POST /api/v1/auth/token."""

    def authenticate(self, request, token: str):
        from learningcity.accounts.services import token_authenticate

        user = token_authenticate(key=token)
        if user is not None:
            request.user = user
        return user
