"""An order's money: VTEX's integers in the currency's minor units, and back, exactly.

VTEX documents every order amount (`value`, `totals`, item prices, `invoiceValue`) as
"cents" and `storePreferencesData.currencyFormatInfo.CurrencyDecimalDigits` as the number of
the currency's decimal digits (orders.json). Issue 12 reads "cents" as the currency's minor
unit: 10 ** CurrencyDecimalDigits of them make one unit, so a CLP or JPY order (0 digits)
holds whole pesos or yen and a 3-digit currency thousandths. VTEX's guides give no example of
a currency without 2 digits (API-NOTES §7, §12.5): check with the account before a store in
such a currency goes live. An order that says nothing has 2 digits (VTEX's example).

Decimals, never floats: a value is converted only when it is exact in the currency, so that a
decimal the currency cannot hold is said, never rounded away.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

DEFAULT_DIGITS = 2  # VTEX's example, and what every order without the field is read as
MAX_DIGITS = 4  # ISO 4217 has no currency with more; a larger figure is a broken order


def currency_digits(order: Mapping[str, Any] | None) -> int:
    """The order's CurrencyDecimalDigits (0 stays 0); 2 when the order does not say.

    Raises ValueError for a figure no currency has, rather than guessing a scale."""
    preferences = (order or {}).get("storePreferencesData") or {}
    raw = (preferences.get("currencyFormatInfo") or {}).get("CurrencyDecimalDigits")
    if raw is None or raw == "":
        return DEFAULT_DIGITS
    if isinstance(raw, bool) or not str(raw).strip().isdigit():
        raise ValueError(f"CurrencyDecimalDigits {raw!r} is not a whole number")
    digits = int(str(raw).strip())
    if digits > MAX_DIGITS:
        raise ValueError(f"CurrencyDecimalDigits {digits} is more than any currency has")
    return digits


def currency_code(order: Mapping[str, Any] | None) -> str:
    return str(((order or {}).get("storePreferencesData") or {}).get("currencyCode") or "")


def units(minor: object, digits: int = DEFAULT_DIGITS) -> Decimal:
    """VTEX's integer minor units -> currency units with `digits` decimals ('12990', 2 ->
    Decimal('129.90'); 19990, 0 -> Decimal('19990'))."""
    whole = Decimal(str(minor or 0))
    return (whole / (Decimal(10) ** digits)).quantize(Decimal(1).scaleb(-digits))


def minor_units(value: str | Decimal, digits: int = DEFAULT_DIGITS) -> int | None:
    """Currency units -> integer minor units, or None when `value` has more decimals than the
    currency holds (19.905 in BRL, 19990.5 in CLP): that is the file's to say, not ours to
    round. Trailing zeros are fine (19990.00 CLP is 19990)."""
    try:
        scaled = Decimal(str(value)) * (Decimal(10) ** digits)
    except InvalidOperation:
        return None
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)
