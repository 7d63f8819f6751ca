"""One test database per run, with the central office and two test sites created once."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from sites.models import Association
from sites.services import SiteAdmin, create_site, ensure_central_office

ADMIN_PASSWORD = "test-admin-password"
HOSTS = {
    "central": "localhost",
    "alpha": "alpha.localhost",
    "beta": "beta.localhost",
    "gamma": "gamma.localhost",
    "delta": "delta.localhost",
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    admin = SiteAdmin(username="admin", password=ADMIN_PASSWORD)
    with django_db_blocker.unblock():
        created = _ensure_test_database()
        central = ensure_central_office(domain=HOSTS["central"], admin=admin)
        national = create_site(
            name="测试全国文联",
            short_name="测试文联",
            slug="alpha",
            kind="national_federation",
            domain=HOSTS["alpha"],
            admin=admin,
            theme="blank",
        )
        create_site(
            name="测试作家协会",
            short_name="测试作协",
            slug="beta",
            kind="national_association",
            domain=HOSTS["beta"],
            parent=national,
            admin=admin,
            theme="blank",
        )
        # A provincial federation and one of its cities: the hierarchy the network layer works along.
        provincial = create_site(
            name="测试浙江省文联",
            short_name="测试浙江文联",
            slug="gamma",
            kind="provincial",
            region="浙江",
            domain=HOSTS["gamma"],
            parent=national,
            admin=admin,
            theme="blank",
        )
        create_site(
            name="测试杭州市文联",
            short_name="测试杭州文联",
            slug="delta",
            kind="municipal",
            region="浙江",
            domain=HOSTS["delta"],
            parent=provincial,
            admin=admin,
            theme="blank",
        )
        assert central.schema_name == "public"
    yield
    if created is not None:
        from django.test.utils import teardown_databases

        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)


def _ensure_test_database():
    """pytest-django makes the test database only when a selected test uses `db`; tests that
    work outside a transaction (`committed`) need it too. Returns what to tear down, if made here."""
    if connection.settings_dict["NAME"].startswith("test_"):
        return None
    from django.test.utils import setup_databases

    return setup_databases(verbosity=0, interactive=False, aliases={"default"})


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """For work that cannot run inside the test transaction (building a site template, backups);
    whatever a test makes under a slug starting with tmp- is removed afterwards."""
    from sites.services import delete_site

    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()
        for site in Association.objects.filter(slug__startswith="tmp-").order_by("-id"):
            delete_site(association=site)


@pytest.fixture
def alpha(db) -> Association:
    return Association.objects.get(slug="alpha")


@pytest.fixture
def beta(db) -> Association:
    return Association.objects.get(slug="beta")


@pytest.fixture
def gamma(db) -> Association:
    return Association.objects.get(slug="gamma")


@pytest.fixture
def delta(db) -> Association:
    return Association.objects.get(slug="delta")


@pytest.fixture(autouse=True)
def back_to_public_schema():
    """Requests leave the connection in their site's schema; every test starts in public."""
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def empty_cache():
    """The database rolls back after each test; cached routes and settings must go with it."""
    from django.core.cache import cache

    from cms.api import page_trees

    cache.clear()
    page_trees.clear()
    yield
    cache.clear()
    page_trees.clear()


def home_page(site: Association):
    from wagtail.models import Site

    with schema_context(site.schema_name):
        return Site.objects.get(is_default_site=True).root_page.specific


def add_article(site: Association, title: str, **fields):
    """A published article in the site's first section (the section is made if missing)."""
    from cms.pages.models import ArticlePage, SectionPage

    with schema_context(site.schema_name):
        home = home_page(site)
        section = SectionPage.objects.child_of(home).first()
        if section is None:
            section = SectionPage(title="新闻动态", slug="news")
            home.add_child(instance=section)
            section.save_revision().publish()
        article = ArticlePage(title=title, **fields)
        section.add_child(instance=article)
        article.save_revision().publish()
        return article
