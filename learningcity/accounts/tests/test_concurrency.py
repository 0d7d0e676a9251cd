"""Two sign-ups with the same number at the same moment: exactly one account, the other a clear refusal."""

import threading

import pytest
from django.db import close_old_connections, connection

from learningcity.accounts.models import User
from learningcity.accounts.services import user_register
from learningcity.core.errors import Conflict


@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_with_one_mobile_create_one_account(city):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on real PostgreSQL (the CI's second pass)")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def sign_up(n: int) -> None:
        close_old_connections()
        try:
            barrier.wait()
            user_register(name=f"همزمان {n}", mobile="09187654321", password="Zagros-peaks-1405", city=city)
            outcomes.append("created")
        except Conflict as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "mobile_taken", "mobile_taken", "mobile_taken"]
    assert User.objects.filter(mobile="09187654321").count() == 1
    user = User.objects.get(mobile="09187654321")
    assert hasattr(user, "profile") and user.role_assignments.count() == 1
