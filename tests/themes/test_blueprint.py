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
    assert available_themes() == ["blank", "local_federation", "national_association", "provincial_federation"]
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
