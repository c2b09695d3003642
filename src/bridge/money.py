"""Currencies Bridge writes amounts in: an ISO 4217 code, its symbol and its minor units.

A config names one reporting currency (``[money] currency = "EUR"`` in ``metrics.toml``); every page,
table, chart, the brief and ``bridge metrics`` write currency amounts with its symbol, and an amount
written in full (under a thousand) with its minor units: ``€12.50``, ``¥1,250``, ``KWD 3.125``.
Larger amounts are written short with K/M/B whatever the currency (``¥14.8M``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args


@dataclass(frozen=True)
class Currency:
    code: str
    symbol: str
    #: Digits after the decimal point in an amount written in full (ISO 4217 minor units).
    decimals: int


#: The codes a config may name.
CurrencyCode = Literal[
    "USD", "EUR", "GBP", "JPY", "CNY", "INR", "CHF", "CAD", "AUD", "NZD", "KRW", "SEK", "NOK",
    "DKK", "PLN", "CZK", "BRL", "MXN", "SGD", "HKD", "ZAR", "KWD",
]  # fmt: skip
CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("USD", "$", 2),
        Currency("EUR", "€", 2),
        Currency("GBP", "£", 2),
        Currency("JPY", "¥", 0),
        Currency("CNY", "CN¥", 2),
        Currency("INR", "₹", 2),
        Currency("CHF", "CHF\u00a0", 2),
        Currency("CAD", "CA$", 2),
        Currency("AUD", "A$", 2),
        Currency("NZD", "NZ$", 2),
        Currency("KRW", "₩", 0),
        Currency("SEK", "SEK\u00a0", 2),
        Currency("NOK", "NOK\u00a0", 2),
        Currency("DKK", "DKK\u00a0", 2),
        Currency("PLN", "PLN\u00a0", 2),
        Currency("CZK", "CZK\u00a0", 2),
        Currency("BRL", "R$", 2),
        Currency("MXN", "MX$", 2),
        Currency("SGD", "S$", 2),
        Currency("HKD", "HK$", 2),
        Currency("ZAR", "R\u00a0", 2),
        Currency("KWD", "KWD\u00a0", 3),
    )
}
assert set(CURRENCIES) == set(get_args(CurrencyCode))
USD = CURRENCIES["USD"]
