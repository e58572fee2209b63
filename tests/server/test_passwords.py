"""The one password policy: long enough, not common, not the user name."""

from __future__ import annotations

import pytest

from server.passwords import check_policy, common_passwords, weakness
from server.refusals import Kind, Refused


@pytest.mark.parametrize("password", ["1234", "abc", "", "12345678", "88888888", "11111111", "password",
                                      "PassWord", "qwerty123", "a123456", "5201314", "zzzzzzzzzz",
                                      "li.chizhong-2026", "x" * 129])
def test_weak_passwords_are_refused_with_weak_password_on_the_password_field(password: str) -> None:
    with pytest.raises(Refused) as refused:
        check_policy(password, "li.chizhong")
    assert (refused.value.code, refused.value.kind, list(refused.value.fields)) == (
        "weak_password", Kind.INVALID, ["password"])


@pytest.mark.parametrize("password", ["patrol-2026", "枫杨社区警务室巡逻", "Xk7#p2Lq"])
def test_long_uncommon_passwords_without_the_user_name_are_accepted(password: str) -> None:
    assert weakness(password, "li.chizhong") is None


def test_the_shipped_list_holds_a_few_hundred_lowercase_passwords() -> None:
    shipped = common_passwords()
    assert len(shipped) > 250 and {"12345678", "password", "88888888", "11111111", "qwerty123"} <= shipped
    assert all(entry == entry.lower() for entry in shipped)
