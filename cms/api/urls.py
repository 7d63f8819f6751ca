from django.conf import settings
from django.urls import path
from grapple.urls import graphiql

from .views import SiteGraphQLView

# The name is grapple's, so that its GraphiQL page finds the endpoint.
urlpatterns = [path("graphql/", SiteGraphQLView.as_view(), name="grapple_graphql")]
if settings.GRAPPLE["EXPOSE_GRAPHIQL"]:
    urlpatterns.append(path("graphiql/", graphiql, name="grapple_graphiql"))
