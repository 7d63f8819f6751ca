from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its error message in Chinese: Django 5.2 changed the message's text and its
    zh-hans translation no longer matches, so the admin showed it in English."""

    def get_error_message(self):
        return f"这个密码太短。它必须包含至少 {self.min_length} 个字符。"


# Rows of the keyboard end to end, and the digits and letters in order: a password that is a stretch of
# one of them (forwards or backwards, wrapping round) is a run a person types without thinking.
MIN_BEYOND_USERNAME = 8
RUNS = (
    "qwertyuiopasdfghjklzxcvbnm",
    "1234567890",
    "abcdefghijklmnopqrstuvwxyz",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)


class PasswordShapeValidator:
    """Refuses what length alone lets through: a password that contains the username, is one or two
    characters repeated, or is a run along the keyboard or the alphabet (admin1234567, aaaaaaaaaaaa,
    qwertyuiopas)."""

    def validate(self, password: str, user=None) -> None:
        folded = password.casefold()
        username = (getattr(user, "username", "") or "").casefold()
        # What the password adds to the username (admin1234567 adds a run; user5user5user5 adds nothing).
        rest = folded.replace(username, "") if len(username) >= 3 else folded
        if len(rest) < MIN_BEYOND_USERNAME:
            raise ValidationError(
                f"密码除用户名外至少还要有 {MIN_BEYOND_USERNAME} 个字符。", code="password_mostly_username"
            )
        if len(set(rest)) <= 2:
            raise ValidationError("密码不能只由一两个字符重复组成。", code="password_repetitive")
        if any(rest in run * 3 or rest in run[::-1] * 3 for run in RUNS):
            raise ValidationError("密码不能是键盘或字母表上的连续按键。", code="password_run")

    def get_help_text(self) -> str:
        return (
            f"密码除用户名外至少还要有 {MIN_BEYOND_USERNAME} 个字符，不能只由一两个字符重复组成，"
            "也不能是键盘上的连续按键。"
        )
