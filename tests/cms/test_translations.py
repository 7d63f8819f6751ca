"""The project's own translations: the committed .mo is what its .po compiles to, and Django uses it."""

from django.utils import translation

from cms.core.management.commands.compile_translations import catalogues, compiled


def test_every_committed_mo_matches_its_po():
    # Given the project's catalogues (cms/locale)
    found = catalogues()
    assert found, "no .po under LOCALE_PATHS"
    for po in found:
        mo = po.with_suffix(".mo")
        # Then each has its .mo beside it, byte for byte what the .po compiles to
        assert mo.exists(), f"{mo} is missing: run `cms manage compile_translations`"
        assert mo.read_bytes() == compiled(po), f"{mo} is stale: run `cms manage compile_translations` and commit it"


def test_the_project_catalogue_fills_what_wagtails_lacks():
    # Given the admin's language
    with translation.override("zh-hans"):
        # Then strings Wagtail's zh-Hans catalogue leaves in English come out in Chinese
        assert translation.gettext("Search all pages…") == "搜索全部页面…"
        assert translation.gettext("Saved") == "已保存"
        assert translation.gettext("Toggle minimap") == "显示/隐藏缩略导航"
        # and Wagtail's own translations are still there
        assert translation.gettext("Search") == "搜索"
