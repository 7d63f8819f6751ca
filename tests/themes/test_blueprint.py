"""Theme blueprints are checked when loaded; a broken one is an error naming the file and the line."""

import textwrap

import pytest

from themes.blueprint import ThemeError, available_themes, get_theme, load_theme


def write_theme(tmp_path, body: str, name: str = "sample"):
    folder = tmp_path / name
    folder.mkdir()
    path = folder / "theme.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


VALID = """\
name: sample
title: 示例
version: 2
groups:
  - name: 编辑
    permissions: [add, change]
workflow:
  name: 审核
  tasks:
    - name: 初审
      group: 编辑
pages:
  - type: section
    title: 新闻
    slug: news
    in_menu: true
    children:
      - type: standard
        title: 说明
        slug: readme
        body: 正文
navigation: [news]
"""


def test_the_shipped_themes_load():
    assert available_themes() == [
        "blank",
        "local_federation",
        "national_association",
        "national_federation",
        "provincial_federation",
    ]
    for name in available_themes():
        theme = get_theme(name)
        assert theme.version >= 1 and theme.name == name


def test_a_valid_theme_loads_with_its_tree(tmp_path):
    theme = load_theme(write_theme(tmp_path, VALID))
    assert (theme.name, theme.version, theme.navigation) == ("sample", 2, ("news",))
    assert [path for path, _ in theme.all_pages()] == [("news",), ("news", "readme")]
    assert theme.workflow_tasks == (("初审", "编辑"),)


@pytest.mark.parametrize(
    "change, line, message",
    [
        (
            ("type: standard\n        title: 说明", "type: article\n        title: 说明"),
            18,
            "unknown page type 'article'",
        ),
        (
            ("  - type: section\n    title: 新闻", "  - type: standard\n    title: 新闻"),
            18,
            "a 'standard' page cannot be placed under 'news'",
        ),
        (("navigation: [news]", "navigation: [news, missing]"), 1, "navigation names 'missing'"),
        (("permissions: [add, change]", "permissions: [add, fly]"), 5, "unknown permission ['fly']"),
        (("      group: 编辑", "      group: 审核"), 10, "names group '审核', which the theme does not define"),
        (("slug: readme", "slug: Read Me"), 18, "slug 'Read Me' must be lowercase"),
        (("version: 2", "version: two"), 1, "'version' must be a whole number"),
    ],
)
def test_a_broken_theme_is_refused_naming_file_and_line(tmp_path, change, line, message):
    path = write_theme(tmp_path, VALID.replace(*change))
    with pytest.raises(ThemeError) as raised:
        load_theme(path)
    text = str(raised.value)
    assert text.startswith(f"{path}, line {line}: "), text
    assert message in text


def test_invalid_yaml_names_the_line(tmp_path):
    path = write_theme(tmp_path, "name: sample\ntitle: [unclosed\nversion: 1\n")
    with pytest.raises(ThemeError, match=r"line \d+: not valid YAML"):
        load_theme(path)


def test_an_unknown_theme_lists_the_available_ones():
    with pytest.raises(ThemeError, match="unknown theme 'nope'; available: blank, local_federation"):
        get_theme("nope")


def test_the_national_federation_has_its_own_theme_with_federation_sections():
    # Given the theme a national federation site is built from by default
    from themes.blueprint import DEFAULT_THEME_FOR_KIND

    theme = get_theme(DEFAULT_THEME_FOR_KIND["national_federation"])
    # Then it is the federation's own, with sections that read 文联…, not 协会…
    pages = [page for _path, page in theme.all_pages()]
    titles = [page.title for page in pages]
    assert theme.name == "national_federation"
    assert "文联要闻" in titles and "文联概况" in titles and "团体会员" in titles
    assert "协会要闻" not in titles and "协会概况" not in titles
    # and keeps the slugs the demo and the network rely on
    assert {"news", "notices", "introduction"} <= {page.slug for page in pages}
