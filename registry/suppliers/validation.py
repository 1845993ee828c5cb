"""Pure checks for supplier details (shared by the API schemas and the registration form)."""

from __future__ import annotations

import re

_CH_NUMBER = re.compile(r"^(\d{8}|(SC|NI|OC)\d{6})$")
CH_NUMBER_RULE = (
    "Companies House number must be 8 characters: 8 digits, or SC, NI or OC "
    "followed by 6 digits (for example 01234567 or SC123456)"
)


def normalise_ch_number(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def check_ch_number(value: str) -> str:
    """Return the normalised number or raise ValueError with a message people understand."""
    number = normalise_ch_number(value)
    if len(number) != 8 or not _CH_NUMBER.match(number):
        raise ValueError(CH_NUMBER_RULE)
    return number


def size_band_for(employees: int | None, turnover_gbp: float | None, balance_sheet_gbp: float | None = None) -> str:
    """UK SME definition: fewer than 250 staff and turnover <= £50m or balance sheet <= £43m."""
    if employees is None:
        return "small"
    money_ok = (turnover_gbp is None or turnover_gbp <= 50_000_000) or (
        balance_sheet_gbp is not None and balance_sheet_gbp <= 43_000_000
    )
    if employees >= 250 or not money_ok:
        return "large"
    if employees < 10:
        return "micro"
    return "small" if employees < 50 else "medium"


def check_website(value: str) -> str:
    """An http(s) URL with a host; kept as typed (no trailing-slash rewriting)."""
    from urllib.parse import urlparse

    url = value.strip()
    if not url:
        return ""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in url:
        raise ValueError("Enter a web address starting with https://, for example https://example.co.uk")
    return url
