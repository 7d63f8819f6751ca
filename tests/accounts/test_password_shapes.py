"""Passwords that pass on length alone but are guessed first are refused; so is a username differing only by case."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from cms.accounts.models import User
from cms.accounts.services import validate_admin_password


@pytest.mark.parametrize(
    "password, message",
    [
        ("admin1234567", "除用户名外至少还要有"),
        ("admin12345678", "连续按键"),
        ("user5user5user5", "除用户名外至少还要有"),
        ("aaaaaaaaaaaa", "一两个字符重复"),
        ("abababababab", "一两个字符重复"),
        ("qwertyuiopas", "连续按键"),
        ("0987654321098", "连续按键"),
    ],
)
def test_passwords_made_of_the_username_repeats_or_runs_are_refused(password, message):
    username = "user5" if password.startswith("user5") else "admin"
    with pytest.raises(ValidationError) as refused:
        validate_admin_password(username=username, password=password)
    assert message in " ".join(refused.value.messages)


@pytest.mark.parametrize("password", ["demo-admin-password", "test-admin-password", "诗歌节2026-西湖-秋"])
def test_ordinary_long_passwords_pass(password):
    validate_admin_password(username="admin", password=password)


def test_a_username_differing_only_by_case_is_refused(alpha):
    with schema_context(alpha.schema_name):
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create_user(username="ADMIN", password="another-long-password-1")
        duplicate = User(username="Admin")
        with pytest.raises(ValidationError) as refused:
            duplicate.validate_constraints()
        assert "已有同名用户" in " ".join(refused.value.messages)
