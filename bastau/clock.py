"""Kazakhstan's local day and time (one time zone, UTC+5, since 2024)."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

KZ = ZoneInfo("Asia/Almaty")


def today() -> date:
    return datetime.now(KZ).date()


def kz_midnight_utc(day: date) -> datetime:
    """The start of a Kazakhstan day as the naive UTC time the database keeps."""
    return datetime.combine(day, time.min, KZ).astimezone(timezone.utc).replace(tzinfo=None)
