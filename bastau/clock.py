"""Kazakhstan's local day and time (one time zone, UTC+5, since 2024)."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

KZ = ZoneInfo("Asia/Almaty")


def now() -> datetime:
    """The present moment in Kazakhstan; the one place tests move the clock."""
    return datetime.now(KZ)


def today() -> date:
    """The Kazakhstan day: it changes at Almaty midnight, not at UTC midnight."""
    return now().astimezone(KZ).date()


def kz_midnight_utc(day: date) -> datetime:
    """The start of a Kazakhstan day as the naive UTC time the database keeps."""
    return datetime.combine(day, time.min, KZ).astimezone(timezone.utc).replace(tzinfo=None)
