from graphql import GraphQLError


class ClientError(GraphQLError):
    """A mistake in the request (bad argument, expired token): answered with HTTP 400, never logged as a fault."""
