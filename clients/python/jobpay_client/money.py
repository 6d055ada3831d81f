"""Money conversions between :class:`decimal.Decimal` and the API's strings.

The jobpay API carries money as decimal strings beside a currency code.
Requests accept ``^[0-9]+(\\.[0-9]+)?$`` with at most the currency's
precision in decimals (USD and EUR 2, BTC 8, none for a precision of 0), up
to what an i64 of minor units holds; responses carry exactly the currency's
precision in decimals ("201.50" USD, "0.50000000" BTC). The SDK speaks
:class:`~decimal.Decimal`: every amount it returns is a :class:`Money`, a
Decimal that also knows its ``currency_code``, and it refuses, before
anything is sent, an amount the server could never accept.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Optional, Union

#: What the SDK accepts as an amount. ``float`` is refused: it cannot hold
#: most cent values exactly.
MoneyLike = Union[Decimal, int, str]

CENT = Decimal("0.01")
#: The largest amount of minor units the API represents (an i64).
MAX_MINOR_UNITS = 2**63 - 1
#: The largest amount the API represents in a currency of precision 2
#: (USD, EUR): i64 cents.
MAX_AMOUNT = Decimal("92233720368547758.07")
#: The precision of the platform currency unless told otherwise (USD).
DEFAULT_PRECISION = 2


# A format spec with neither a precision nor a presentation type.
_NO_TYPE_NOR_PRECISION = re.compile(r"(.?[<>=^])?[-+ ]?z?#?0?\d*[,_]?")


class Money(Decimal):
    """An amount the server sent: a :class:`~decimal.Decimal` (it prints,
    formats, compares and computes exactly like one) that also carries the
    code of its currency in :attr:`currency_code` (``""`` when the server did
    not say). It prints in fixed point, as the server sent it
    (``"0.00000001"``, where a Decimal would print ``"1E-8"``). Arithmetic on
    it gives plain Decimals; equality ignores the currency, like a
    Decimal's."""

    __slots__ = ("_currency_code",)

    def __new__(cls, value: MoneyLike = "0", currency_code: str = "") -> "Money":
        self = super().__new__(cls, value)
        self._currency_code = currency_code
        return self

    @property
    def currency_code(self) -> str:
        """The currency of the amount, upper case (e.g. ``"EUR"``)."""
        return self._currency_code

    def __str__(self) -> str:
        return Decimal.__format__(self, "f")

    def __format__(self, spec: str) -> str:
        # Without a type and a precision, fixed point (like str()), not the
        # scientific notation Decimal picks for small amounts.
        if _NO_TYPE_NOR_PRECISION.fullmatch(spec):
            spec += "f"
        return Decimal.__format__(self, spec)

    def __repr__(self) -> str:
        return f"Money({str(self)!r}, {self._currency_code!r})"

    def __reduce__(self):
        return (type(self), (str(self), self._currency_code))


def max_amount(precision: int) -> Decimal:
    """The largest amount of a currency with ``precision`` decimals."""
    return Decimal(MAX_MINOR_UNITS).scaleb(-precision)


def _parse(amount: MoneyLike, field: str) -> Decimal:
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
    # copy_abs() turns a negative zero into zero.
    return Decimal(value).copy_abs()


def _plain(value: Decimal) -> str:
    """``value`` without exponent or trailing zeros ("1E+2" -> "100")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def to_money_string(
    amount: MoneyLike,
    field: str = "amount",
    precision: Optional[int] = DEFAULT_PRECISION,
    *,
    rounding: bool = False,
    currency_code: str = "",
) -> str:
    """Formats ``amount`` as the API's decimal string.

    ``precision`` is the number of decimals of the amount's currency (2 by
    default, as USD's): the result has exactly that many decimals, and an
    amount with more is a :class:`ValueError`, unless ``rounding`` is set,
    in which case it is sent as it is for the server to round
    (``ROUNDING_HALF_AWAY_FROM_ZERO``). With ``precision`` None (a currency
    whose precision the client does not know) the amount is sent as it is,
    without trailing zeros, and the server checks its decimals.
    ``currency_code`` only makes the error messages clearer.

    Raises :class:`TypeError` for a ``float`` or a ``bool`` and
    :class:`ValueError` for a negative amount, too many decimals,
    NaN/infinity, or an amount above what the currency represents.
    """
    value = _parse(amount, field)
    if precision is None:
        return _plain(value)
    unit = Decimal(1).scaleb(-precision)
    largest = max_amount(precision)
    # Checked before quantize(), which fails on more than 28 digits.
    if value >= largest + unit:
        raise ValueError(f"{field}: {amount!r} is above the largest amount {largest}")
    # ROUND_HALF_UP is half away from zero for these non-negative amounts.
    quantized = value.quantize(unit, rounding=ROUND_HALF_UP)
    if quantized > largest:
        raise ValueError(f"{field}: {amount!r} is above the largest amount {largest}")
    if quantized != value:
        if rounding:
            return _plain(value)
        of = f" of {currency_code}" if currency_code else ""
        raise ValueError(
            f"{field}: {amount!r} has more than {precision} decimals, the precision{of} "
            "(pass rounding=Rounding.HALF_AWAY_FROM_ZERO to round it)"
        )
    return format(quantized, "f")


def from_money_string(text: str, currency_code: str = "") -> Money:
    """Parses a money string of a response ("201.50") into a :class:`Money`
    (a Decimal) of ``currency_code``."""
    try:
        return Money(text, currency_code)
    except InvalidOperation:
        raise ValueError(f"the server sent {text!r}, which is not an amount") from None


def optional_money(text: str, currency_code: str = "") -> Optional[Money]:
    """Like :func:`from_money_string`, but an empty string is ``None``."""
    return from_money_string(text, currency_code) if text else None
