from graphql import GraphQLError

from cms.pages.preview import PreviewTokenError


class ClientError(GraphQLError):
    """A mistake in the request (bad argument, expired token): answered with HTTP 400, never logged as a fault."""


# Mistakes in the request that lower layers raise in their own terms: answered like ClientError.
CLIENT_ERRORS = (ClientError, PreviewTokenError)
