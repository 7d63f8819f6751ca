"""The registry's compliance data: formats, the footer in GraphQL and the built-in rendering, the copy from settings."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from cms.pages.models import SiteSettings
from sites.models import Association
from tests.api.conftest import graphql_data
from tests.conftest import HOSTS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("icp_number", "京ICP备12345678号"),
        ("icp_number", "浙ICP备123456号-2"),
        ("police_number", "京公网安备11010502000001号"),
        ("police_number", "33010602000001"),
        ("site_code", "1100000004"),
        ("site_code", "bm00000001"),
    ],
)
def test_registry_accepts_well_formed_filing_numbers(alpha, field, value):
    # Given a well-formed value, when the registry entry is validated, then nothing is wrong
    setattr(alpha, field, value)
    alpha.full_clean()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("icp_number", "ICP备12345678号", "ICP备案号格式不正确"),
        ("icp_number", "京ICP备123号", "ICP备案号格式不正确"),
        ("police_number", "京公网安备1101050200000号", "公安备案号格式不正确"),  # 13 digits
        ("police_number", "京公网安备110105020000012号", "公安备案号格式不正确"),  # 15 digits
        ("police_number", "99010502000001", "不是有效的省级行政区划代码"),
        ("site_code", "110000000", "网站标识码应为10个字符"),
        ("site_code", "bm0000001", "网站标识码应为10个字符"),
        ("site_code", "BM00000001", "网站标识码应为10个字符"),
        ("site_code", "9900000001", "不是有效的省级行政区划代码"),
    ],
)
def test_registry_refuses_malformed_filing_numbers_in_chinese(alpha, field, value, message):
    # Given a malformed value
    setattr(alpha, field, value)
    # When the registry entry is validated, then the field is named with a message saying what is wrong
    with pytest.raises(ValidationError) as error:
        alpha.full_clean()
    assert message in " ".join(error.value.message_dict[field])


def test_footer_comes_from_the_registry_in_graphql(client, alpha):
    # Given filing data in the registry and stale values left in the site's settings
    Association.objects.filter(pk=alpha.pk).update(
        sponsor="中国文联",
        icp_number="京ICP备00000001号",
        police_number="京公网安备11010502000001号",
        site_code="bm00000001",
    )
    with schema_context(alpha.schema_name):
        settings = SiteSettings.objects.get()
        settings.icp_number, settings.sponsor, settings.phone = "旧号", "旧主办", "010-1"
        settings.save()
    # When a front end asks for the footer
    data = graphql_data(
        client, "{ siteSettings { sponsor phone icpNumber icpUrl policeNumber policeUrl siteCode } }", HOSTS["alpha"]
    )
    # Then the registry's values answer, the ICP number with the filing system's address
    assert data["siteSettings"] == {
        "sponsor": "中国文联",
        "phone": "010-1",
        "icpNumber": "京ICP备00000001号",
        "icpUrl": "https://beian.miit.gov.cn/",
        "policeNumber": "京公网安备11010502000001号",
        "policeUrl": "https://beian.mps.gov.cn/#/query/webSearch?code=11010502000001",
        "siteCode": "bm00000001",
    }


def test_built_in_rendering_shows_the_footer_with_the_icp_link(client, alpha):
    # Given filing data in the registry
    Association.objects.filter(pk=alpha.pk).update(sponsor="测试主办单位", icp_number="京ICP备00000009号")
    # When the site's home page is rendered by the built-in rendering
    html = client.get("/", HTTP_HOST=HOSTS["alpha"]).content.decode()
    # Then its footer names the sponsor and links the ICP number to the filing system
    assert "主办单位：测试主办单位" in html
    assert '<a href="https://beian.miit.gov.cn/" target="_blank" rel="noopener">京ICP备00000009号</a>' in html


def test_migration_copies_footer_values_from_settings_into_an_empty_registry(alpha, beta):
    # Given a site whose settings hold filing numbers and whose registry entry has none
    with schema_context(alpha.schema_name):
        settings = SiteSettings.objects.get()
        settings.icp_number, settings.site_code, settings.sponsor = "京ICP备00000005号", "bm00000005", "甲单位"
        settings.save()
    Association.objects.filter(pk=alpha.pk).update(icp_number="", site_code="", sponsor="")
    Association.objects.filter(pk=beta.pk).update(sponsor="已登记")
    # When the registry migration's copy runs
    migration = importlib.import_module("sites.migrations.0003_registry_compliance")
    migration.copy_footer_into_registry(apps, connection.schema_editor(atomic=False))
    # Then the registry holds them, and what the registry already had is kept
    alpha.refresh_from_db()
    beta.refresh_from_db()
    assert (alpha.icp_number, alpha.site_code, alpha.sponsor) == ("京ICP备00000005号", "bm00000005", "甲单位")
    assert beta.sponsor == "已登记"
