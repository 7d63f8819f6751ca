"""Personal data masked for publication: phone numbers, ID card numbers, addresses below township level."""

from __future__ import annotations

import re

# Mobile numbers (11 digits, 1[3-9]...), with or without +86 and separators.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?(1[3-9]\d)[-\s]?(\d{4})[-\s]?(\d{4})(?!\d)")
# Landlines: 0571-88886666, (010)12345678.
_LANDLINE = re.compile(r"(?<!\d)(\(?0\d{2,3}\)?[-\s]?)(\d{3,4})(\d{4})(?!\d)")
# Resident ID numbers: 18 characters (last may be X) or the old 15 digits.
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])|(?<!\d)(\d{6})(\d{6})(\d{3})(?!\d)"
)
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# An address: kept up to the township (乡, 镇, 街道) or the district/county; what follows (村, 路, 号, 小区,
# 栋, 室 ...) is masked.
_TOWNSHIP_END = re.compile(r"(?:街道|乡|镇|苏木)")
_COUNTY_END = re.compile(r"(?:区|县|旗|市)")
_BELOW_TOWNSHIP = re.compile(
    r"[\u4e00-\u9fff0-9A-Za-z\-－#]{0,30}?(?:村|社区|组|路|街|巷|弄|胡同|道|里|大道|小区|花园|公寓|大厦|苑|园|号楼|号院|号|栋|幢|单元|楼|室|层)"
    r"(?:[\u4e00-\u9fff0-9A-Za-z\-－#]{0,20}(?:号|栋|幢|单元|楼|室|层))*"
)


def mask_phone(text: str) -> str:
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def mask_id_numbers(text: str) -> str:
    def replace(m):
        number = m.group(0)
        return number[:4] + "*" * (len(number) - 8) + number[-4:]

    return _ID_NUMBER.sub(replace, text)


def mask_email(text: str) -> str:
    return _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", text)


def mask_address(address: str) -> str:
    """The part of an address down to the township (or the county when no township is named), then ***."""
    address = (address or "").strip()
    if not address:
        return ""
    matches = list(_TOWNSHIP_END.finditer(address)) or list(_COUNTY_END.finditer(address))
    match = matches[-1] if matches else None
    if match is None:
        return "***"
    kept = address[: match.end()]
    return kept + ("***" if len(kept) < len(address) else "")


_TOWNSHIP_IN_TEXT = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:街道|镇|乡)")


def mask_addresses_in_text(text: str) -> str:
    """Addresses inside free text: after a district or county (and the township, if one follows), what names
    the village, street, building or door is masked."""
    out = []
    position = 0
    for end in re.finditer(r"(?:区|县)", text):
        if end.start() < position:
            continue
        keep_to = end.end()
        town = _TOWNSHIP_IN_TEXT.match(text, keep_to)
        if town:
            keep_to = town.end()
        tail = _BELOW_TOWNSHIP.match(text, keep_to)
        if tail and tail.group(0):
            out.append(text[position:keep_to])
            out.append("***")
            position = tail.end()
    out.append(text[position:])
    return "".join(out)


def mask(text: str, *, name: str = "", contact: str = "", address: str = "") -> str:
    """Text fit for publication: the submitter's own name, contact and address removed, then every phone
    number, ID number, e-mail address and address below township level masked."""
    text = text or ""
    if address and address in text:
        text = text.replace(address, mask_address(address))
    if contact and contact in text:
        text = text.replace(contact, mask_email(mask_phone(contact)))
    if name and len(name) >= 2 and name in text:
        text = text.replace(name, name[0] + "*" * (len(name) - 1))
    text = mask_id_numbers(text)
    text = mask_phone(text)
    text = mask_email(text)
    return mask_addresses_in_text(text)
