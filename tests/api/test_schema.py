"""The GraphQL schema is a contract with the front-end teams: a change must be committed on purpose."""

from pathlib import Path

from graphene_django.settings import graphene_settings

SDL = Path(__file__).resolve().parents[2] / "cms" / "api" / "schema.graphql"
UPDATE = "cms manage graphql_schema --out cms/api/schema.graphql"


def test_the_committed_schema_matches_the_code():
    current = str(graphene_settings.SCHEMA).strip()
    committed = SDL.read_text(encoding="utf-8").strip()
    assert current == committed, f"The GraphQL schema changed. Review the change, then run: {UPDATE}"


def test_the_schema_has_the_front_end_contract():
    sdl = SDL.read_text(encoding="utf-8")
    for expected in (
        "contentPages(",
        "site: SiteIdentity!",
        "siteSettings: SiteSettingsType!",
        "navigation: [NavigationItem!]!",
        "type ArticlePage",
        "type NoticePage",
        "type EventPage",
        "type ProfilePage",
        "type WorkPage",
        "type StandardPage",
        "type TableBlock",
        "type GalleryBlock",
        "srcSet(",
    ):
        assert expected in sdl, expected
