from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its error message in Chinese: Django 5.2 changed the message's text and its
    zh-hans translation no longer matches, so the admin showed it in English."""

    def get_error_message(self):
        return f"这个密码太短。它必须包含至少 {self.min_length} 个字符。"
