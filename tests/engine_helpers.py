import datetime as dt

from programs.catalog import load_catalog
from programs.engine import Context, Payment, earn

D = dt.date


def catalog():
    return load_catalog("test")


def pay(cat, merchant, amount, method, day=D(2026, 6, 1), context=None, **facts):
    return earn(Payment(date=day, merchant=merchant, amount=amount, method=method, **facts), cat, context or Context())


def card_points(result) -> int:
    return result.earnings[0].points
