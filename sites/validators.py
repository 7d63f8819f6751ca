"""Formats of the registry's compliance data (备案信息), with messages editors can act on."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# The first two digits of an administrative-division code (行政区划代码): the provinces.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
ICP_PATTERN = re.compile(r"^[\u4e00-\u9fff]ICP[备证]\d{6,8}号(-\d{1,3})?$")
POLICE_PATTERN = re.compile(r"^(?:[\u4e00-\u9fff]公网安备)?(\d{14})号?$")
SITE_CODE_PATTERN = re.compile(r"^(\d{10}|bm\d{8})$")
ICP_QUERY_URL = "https://beian.miit.gov.cn/"
POLICE_QUERY_URL = "https://beian.mps.gov.cn/#/query/webSearch?code={code}"


def validate_icp_number(value: str) -> None:
    if value and not ICP_PATTERN.match(value.strip()):
        raise ValidationError(
            "ICP备案号格式不正确：应为“省份简称 + ICP备 + 6至8位数字 + 号”，可带“-序号”，例如：京ICP备12345678号-1。",
            code="icp_number",
        )


def police_digits(value: str) -> str:
    """The 14 digits of a public-security filing number ("" when it has none)."""
    match = POLICE_PATTERN.match((value or "").strip())
    return match.group(1) if match else ""


def validate_police_number(value: str) -> None:
    if not value:
        return
    digits = police_digits(value)
    if not digits:
        raise ValidationError(
            "公安备案号格式不正确：应为14位数字，可写作“京公网安备11010502000001号”。", code="police_number"
        )
    if digits[:2] not in PROVINCE_CODES:
        raise ValidationError(
            f"公安备案号的前两位“{digits[:2]}”不是有效的省级行政区划代码。", code="police_number_region"
        )


def validate_site_code(value: str) -> None:
    if not value:
        return
    if not SITE_CODE_PATTERN.match(value):
        raise ValidationError(
            "网站标识码应为10个字符：6位行政区划代码加4位顺序号（例如1100000004），或“bm”加8位数字（例如bm00000001）。",
            code="site_code",
        )
    if value[0].isdigit() and value[:2] not in PROVINCE_CODES:
        raise ValidationError(f"网站标识码的前两位“{value[:2]}”不是有效的省级行政区划代码。", code="site_code_region")
