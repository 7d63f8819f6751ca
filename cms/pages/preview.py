"""Preview tokens: signed for one site (the schema is in the salt), for one page, for a short time."""

from django.conf import settings
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.db import connection


class PreviewTokenError(ValueError):
    pass


def preview_signer() -> TimestampSigner:
    return TimestampSigner(salt=f"cms.preview:{connection.schema_name}")


def check_preview_token(token: str) -> str:
    """The page identifier the token was made for; PreviewTokenError says why a token is refused."""
    minutes = settings.CMS_PREVIEW_TOKEN_SECONDS // 60
    try:
        return preview_signer().unsign(token, max_age=settings.CMS_PREVIEW_TOKEN_SECONDS)
    except SignatureExpired:
        raise PreviewTokenError(
            f"The preview token has expired (tokens last {minutes} minutes); preview again from the admin."
        ) from None
    except BadSignature:
        raise PreviewTokenError("The preview token is not valid for this site.") from None
