from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .validators import normalise_mobile


class MobileBackend(ModelBackend):
    """Log in with a mobile number written in any accepted form or digits."""

    def authenticate(self, request, username=None, password=None, mobile=None, **kwargs):
        raw = mobile or username or kwargs.get(self._username_field())
        try:
            normalised = normalise_mobile(raw)
        except ValidationError:
            # Run the hasher anyway so a malformed number takes as long as a wrong password.
            self._fake_hash(password)
            return None
        return super().authenticate(request, username=normalised, password=password)

    @staticmethod
    def _username_field() -> str:
        return "mobile"

    @staticmethod
    def _fake_hash(password) -> None:
        from django.contrib.auth import get_user_model

        get_user_model()().set_password(password)
