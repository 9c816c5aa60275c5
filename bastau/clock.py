"""Kazakhstan's local day and time (one time zone, UTC+5, since 2024)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

KZ = ZoneInfo("Asia/Almaty")


def today() -> date:
    return datetime.now(KZ).date()
