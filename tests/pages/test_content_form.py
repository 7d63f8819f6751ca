"""The page editor's form counts a content page's date as changed only when it was changed."""

from django_tenants.utils import schema_context

from cms.accounts.models import User
from tests.conftest import add_article


def test_an_unchanged_date_is_not_a_change_and_a_new_one_is(alpha):
    # Given a published article and its editor form, submitted as the admin renders it (no hidden "initial-" input)
    article = add_article(alpha, "日期未改的稿件")
    with schema_context(alpha.schema_name):
        form_class = article.get_edit_handler().get_form_class()
        user = User.objects.get(username="admin")

        def date_changed(date: str) -> bool:
            data = {"title": article.title, "slug": article.slug, "date": date}
            form = form_class(data, instance=article, for_user=user, parent_page=article.get_parent())
            return form["date"]._has_changed()  # what Form.changed_data asks of each field

        # Then its date as shown is no change, and another date is one
        assert not date_changed(article.date.isoformat())
        assert date_changed("2020-01-01")
