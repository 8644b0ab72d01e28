"""Publication dates as pages write them → ISO 8601, keeping the page's own time zone. Pure."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

ARABIC_INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Gregorian month names: Egypt and the Gulf, the Levant and Iraq, the Maghreb.
MONTHS = {
    "يناير": 1, "جانفي": 1, "كانون الثاني": 1,
    "فبراير": 2, "فيفري": 2, "شباط": 2,
    "مارس": 3, "آذار": 3, "اذار": 3,
    "أبريل": 4, "ابريل": 4, "إبريل": 4, "أفريل": 4, "افريل": 4, "نيسان": 4,
    "مايو": 5, "ماي": 5, "أيار": 5, "ايار": 5,
    "يونيو": 6, "يونيه": 6, "جوان": 6, "حزيران": 6,
    "يوليو": 7, "يوليه": 7, "جويلية": 7, "تموز": 7,
    "أغسطس": 8, "اغسطس": 8, "أوت": 8, "اوت": 8, "آب": 8, "اب": 8,
    "سبتمبر": 9, "أيلول": 9, "ايلول": 9,
    "أكتوبر": 10, "اكتوبر": 10, "تشرين الأول": 10, "تشرين الاول": 10,
    "نوفمبر": 11, "تشرين الثاني": 11,
    "ديسمبر": 12, "كانون الأول": 12, "كانون الاول": 12,
}
_MONTH = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
NAMED_DATE = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})\s*(?P<month>{_MONTH})(?:\s*[/،,\-]?\s*(?:{_MONTH}))?\s*[،,]?\s*(?P<year>\d{{4}})(?!\d)"
)
NUMERIC_DATE = re.compile(
    r"(?<!\d)(?:(?P<year>\d{4})[/\-.](?P<month>\d{1,2})[/\-.](?P<day>\d{1,2})"
    r"|(?P<day2>\d{1,2})[/\-.](?P<month2>\d{1,2})[/\-.](?P<year2>\d{4}))(?!\d)"
)
CLOCK = re.compile(
    r"(?<!\d)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\s*(?P<half>صباحاً|صباحا|مساءً|مساء|ص|م|[AaPp]\.?[Mm]\.?)(?!\w))?"
)
OFFSET = re.compile(r"(?:GMT|UTC|غرينتش|جرينتش|غرينيتش)\s*(?P<sign>[+\-−])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?", re.I)
# Zones pages name in words; only places without daylight saving time, whose offset is fixed.
NAMED_ZONES = {
    "مكة": 3, "الرياض": 3, "السعودية": 3, "الكويت": 3, "الدوحة": 3, "قطر": 3, "البحرين": 3, "بغداد": 3,
    "أبوظبي": 4, "ابوظبي": 4, "أبو ظبي": 4, "دبي": 4, "الإمارات": 4, "مسقط": 4,
    "غرينتش": 0, "جرينتش": 0, "غرينيتش": 0, "GMT": 0, "UTC": 0,
}
NAMED_ZONE = re.compile(r"(?:بتوقيت|توقيت)\s+(?:مدينة\s+)?(?P<place>" + "|".join(map(re.escape, NAMED_ZONES)) + ")")
BARE_UTC = re.compile(r"\b(?:GMT|UTC)\b(?!\s*[+\-−]\s*\d)")
TIME_WINDOW = 40
MIN_YEAR, MAX_YEAR = 1900, 2100


def iso_timestamp(value: str) -> str | None:
    """A machine-readable date (ISO 8601, `2024-03-23 00:30`, `20240323`) as ISO 8601, offset kept as written."""
    value = value.strip().translate(ARABIC_INDIC_DIGITS)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    has_time = bool(re.search(r"\d[T ]\d", value))
    return moment.isoformat(timespec="seconds") if has_time else moment.date().isoformat()


def _day(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _calendar_date(text: str) -> tuple[date, re.Match] | None:
    """The first Gregorian date written out in the text (month by name, else day/month/year), and its match."""
    for named in NAMED_DATE.finditer(text):
        found = _day(int(named["year"]), MONTHS[named["month"]], int(named["day"]))
        if found:
            return found, named
    for numeric in NUMERIC_DATE.finditer(text):
        year, month, day = (numeric["year"], numeric["month"], numeric["day"]) if numeric["year"] else (
            numeric["year2"], numeric["month2"], numeric["day2"])
        found = _day(int(year), int(month), int(day))
        if found:
            return found, numeric
    return None


def _clock(text: str) -> tuple[int, int, int] | None:
    """Hour, minute and second of a time like `١١:٤٥ م` or `6:30 PM` (24-hour unless marked)."""
    match = CLOCK.search(text)
    if not match:
        return None
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    half = (match["half"] or "").lower().replace(".", "")
    if half.startswith(("م", "p")) and hour < 12:
        hour += 12
    elif half.startswith(("ص", "a")) and hour == 12:
        hour = 0
    return (hour, minute, second) if hour < 24 and minute < 60 and second < 60 else None


def _zone(text: str) -> timezone | None:
    """The time zone a page names beside its time: `GMT+2`, `UTC+03:00`, `بتوقيت مكة المكرمة`."""
    offset = OFFSET.search(text)
    if offset:
        sign = -1 if offset["sign"] in "-−" else 1
        return timezone(sign * timedelta(hours=int(offset["hours"]), minutes=int(offset["minutes"] or 0)))
    named = NAMED_ZONE.search(text)
    if named:
        return timezone(timedelta(hours=NAMED_ZONES[named["place"]]))
    return timezone.utc if BARE_UTC.search(text) else None


def text_timestamp(text: str) -> str | None:
    """A date as a page shows it to readers (`الخميس ٢٨ مارس ٢٠٢٤م - ١١:٤٥ م بتوقيت مكة`) as ISO 8601."""
    text = text.translate(ARABIC_INDIC_DIGITS)
    found = _calendar_date(text)
    if found is None:
        return None
    day, where = found
    after, before = text[where.end() : where.end() + TIME_WINDOW], text[max(0, where.start() - TIME_WINDOW) : where.start()]
    clock = _clock(after) or _clock(before)
    if clock is None:
        return day.isoformat()
    moment = datetime(day.year, day.month, day.day, *clock, tzinfo=_zone(before + " " + text[where.end() :]))
    return moment.isoformat(timespec="seconds")


def normalized_date(value: str | None) -> str | None:
    """A date given as metadata in ISO 8601 when it can be read (ISO forms or written out), else as given."""
    if not value:
        return value
    return iso_timestamp(value) or text_timestamp(value) or value
