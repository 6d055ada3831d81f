"""Money conversions between :class:`decimal.Decimal` and the API's strings.

The jobpay API carries money as decimal strings: requests accept
``^[0-9]+(\\.[0-9]{1,2})?$`` (no sign, exponent, spaces or more than two
decimals) up to 92233720368547758.07, responses always carry exactly two
decimals ("201.50"). The SDK speaks :class:`~decimal.Decimal` and refuses,
before anything is sent, an amount the server could never accept.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Optional, Union

#: What the SDK accepts as an amount. ``float`` is refused: it cannot hold
#: most cent values exactly.
MoneyLike = Union[Decimal, int, str]

CENT = Decimal("0.01")
#: The largest amount the API represents (i64 cents).
MAX_AMOUNT = Decimal("92233720368547758.07")


def to_money_string(amount: MoneyLike, field: str = "amount") -> str:
    """Formats ``amount`` as the API's decimal string, with two decimals.

    Raises :class:`TypeError` for a ``float`` or a ``bool`` and
    :class:`ValueError` for a negative amount, more than two decimals,
    NaN/infinity, or an amount above :data:`MAX_AMOUNT`.
    """
    if isinstance(amount, bool) or isinstance(amount, float):
        raise TypeError(
            f"{field}: pass a decimal.Decimal, int or str, not {type(amount).__name__} "
            "(binary floats cannot hold cents exactly)"
        )
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int):
        value = Decimal(amount)
    elif isinstance(amount, str):
        try:
            value = Decimal(amount.strip())
        except InvalidOperation:
            raise ValueError(f"{field}: {amount!r} is not a decimal number") from None
    else:
        raise TypeError(
            f"{field}: pass a decimal.Decimal, int or str, not {type(amount).__name__}"
        )
    if not value.is_finite():
        raise ValueError(f"{field}: {amount!r} is not a finite amount")
    if value < 0:
        raise ValueError(f"{field}: {amount!r} is negative")
    quantized = value.quantize(CENT)
    if quantized != value:
        raise ValueError(f"{field}: {amount!r} has more than 2 decimals")
    if quantized > MAX_AMOUNT:
        raise ValueError(f"{field}: {amount!r} is above the largest amount {MAX_AMOUNT}")
    # copy_abs() turns a negative zero into "0.00".
    return format(quantized.copy_abs(), "f")


def from_money_string(text: str) -> Decimal:
    """Parses a money string of a response ("201.50") into a Decimal."""
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"the server sent {text!r}, which is not an amount") from None


def optional_money(text: str) -> Optional[Decimal]:
    """Like :func:`from_money_string`, but an empty string is ``None``."""
    return from_money_string(text) if text else None
