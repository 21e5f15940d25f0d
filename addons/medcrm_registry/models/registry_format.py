"""The state register of medical devices as Roszdravnadzor publishes it (open data 7710537160-medproducts).

Pure Python, no ORM: number normalization, the streaming reader of the published file, dates, and the
comparison of a producer with a manufacturer. Used by the importer, the product matcher and the tests.

The published file: a zip holding one ``;``-separated CSV in windows-1251 with a header row; quoted fields
may span lines; dates as ``YYYYMMDD`` or ``YYYY-MM-DD``; an empty end date means «unlimited». Columns are
found by their header name, in any order; unknown columns are ignored.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile

csv.field_size_limit(64 * 1024 * 1024)

# Latin letters that look like Cyrillic ones, as typed by mistake in certificate numbers.
LOOKALIKES = str.maketrans(
    {
        "A": "А",
        "B": "В",
        "C": "С",
        "E": "Е",
        "H": "Н",
        "K": "К",
        "M": "М",
        "O": "О",
        "P": "Р",
        "T": "Т",
        "X": "Х",
        "Y": "У",
        "Ё": "Е",
    }
)
# Prefixes written in transliteration or with a digit for a letter (P3H = РЗН).
PREFIX_ALIASES = {
    "RZN": "РЗН",
    "РЗН": "РЗН",
    "Р3Н": "РЗН",
    "FSZ": "ФСЗ",
    "ФС3": "ФСЗ",
    "FSR": "ФСР",
    "FS": "ФС",
    "FZ": "ФЗ",
    "Ф3": "ФЗ",
}
NUMBER = re.compile(r"^([A-ZА-Я3]{1,5})(\d{4})/(\d{1,7})(-\d{1,4})?$")
# The clean form the register itself uses: taken as it is, without the slow path.
CLEAN = re.compile(r"^(РЗН|ФСЗ|ФСР|ФС|ФЗ) (\d{4})/([1-9]\d{0,6})$")
NOISE = re.compile(r"[\s\u00a0\u2007\u202f]+")
DASHES = re.compile(r"[\u2010-\u2015\u2212]")
SLASHES = re.compile(r"[\\|]")
NUMBER_SIGN = re.compile(r"^(№|N[°ºo]?\.?|NO\.?)+")


def normalize_number(raw):
    """(key, recognized) of a certificate number as written by people or by the register.

    «РЗН 2019/8123», «№ РЗН 2019/8123», «P3H 2019/08123», «рзн  2019 / 8123» all give ``РЗН 2019/8123``.
    An unrecognized number gets a key all the same (upper case, no spaces), so a register entry with an
    unusual number still matches the same unusual number on a product; ``recognized`` is False then.
    """
    if not raw:
        return None, False
    if CLEAN.match(raw):
        return raw, True
    text = str(raw).upper()
    text = DASHES.sub("-", text)
    text = SLASHES.sub("/", text)
    text = NOISE.sub("", text)
    text = text.strip(".,;:")
    text = NUMBER_SIGN.sub("", text).replace("№", "")
    if not text:
        return None, False
    match = NUMBER.match(text)
    if not match:
        # the Latin-lookalike fold is safe on letters only (digits stay digits)
        folded = text.translate(LOOKALIKES)
        match = NUMBER.match(folded)
        if not match:
            return folded, False
    prefix, year, serial, suffix = match.groups()
    prefix_key = PREFIX_ALIASES.get(prefix) or PREFIX_ALIASES.get(prefix.translate(LOOKALIKES))
    if not prefix_key:
        prefix_key = prefix.translate(LOOKALIKES)
        if not re.fullmatch(r"[А-Я]{1,5}", prefix_key):
            return text.translate(LOOKALIKES), False
    return f"{prefix_key} {year}/{int(serial)}{suffix or ''}", True


class RegisterFormatError(ValueError):
    """The file is not the register (no certificate number column, not a CSV, an empty archive)."""


COLUMN_ALIASES = {
    "unique_number": ("unique_number", "уникальный номер реестровой записи", "уникальный номер"),
    "registration_number": (
        "registration_number",
        "регистрационный номер",
        "регистрационный номер медицинского изделия",
        "номер регистрационного удостоверения",
    ),
    "registration_date": ("registration_date", "дата государственной регистрации", "дата регистрации"),
    "registration_date_end": ("registration_date_end", "срок действия", "срок действия регистрационного удостоверения"),
    "name": ("name", "наименование медицинского изделия", "наименование"),
    "applicant": ("applicant", "организация-заявитель", "заявитель"),
    "applicant_address_legal": ("applicant_address_legal", "юридический адрес организации-заявителя"),
    "applicant_address_post": ("applicant_address_post", "почтовый адрес организации-заявителя"),
    "producer": ("producer", "организация-производитель", "производитель"),
    "producer_address_legal": ("producer_address_legal", "юридический адрес организации-производителя"),
    "producer_address_post": ("producer_address_post", "почтовый адрес организации-производителя"),
    "okp": ("okp", "код окп", "окп"),
    "class": ("class", "класс потенциального риска", "класс риска"),
    "appointment": ("appointment", "назначение"),
    "kind": ("kind", "вид медицинского изделия", "вид"),
    "address_production": ("address_production", "адрес места производства"),
    "details": ("details", "сведения об изменениях", "примечание"),
    "status": ("status", "state", "registration_status", "статус", "состояние"),
}
FIELD_BY_HEADER = {alias: field for field, aliases in COLUMN_ALIASES.items() for alias in aliases}
ANNULLED = re.compile(r"аннулир|отмен|прекращ|недейств|annul|cancel|revok", re.IGNORECASE)


def header_fields(header):
    """Field name (or None) of each column of the header row."""
    fields = []
    for cell in header:
        key = re.sub(r"\s+", " ", (cell or "").replace("\ufeff", "").strip().strip('"').strip().lower())
        fields.append(FIELD_BY_HEADER.get(key))
    if "registration_number" not in fields:
        raise RegisterFormatError("no registration_number column")
    return fields


def parse_date(value):
    """A register date: ``YYYYMMDD``, ``YYYY-MM-DD`` (a time after it is ignored) or ``DD.MM.YYYY``.

    Returns None for an empty value; raises ValueError for anything else.
    """
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 10 and value[10] in " T":
        value = value[:10]
    if len(value) == 8 and value.isdigit():
        return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        return datetime.date(int(value[:4]), int(value[5:7]), int(value[8:]))
    if len(value) == 10 and value[2] == "." and value[5] == ".":
        return datetime.date(int(value[6:]), int(value[3:5]), int(value[:2]))
    raise ValueError(value)


def sniff_encoding(head):
    """windows-1251 as published; UTF-8 (with or without BOM) when the bytes say so."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        # a multi-byte character cut at the end of the sample is still UTF-8
        if err.start < len(head) - 4:
            return "cp1251"
    return "utf-8"


def open_text(binary):
    """A text stream over the CSV in ``binary`` (a seekable file of a zip or of a CSV)."""
    head = binary.read(4)
    binary.seek(0)
    if head.startswith(b"PK\x03\x04"):
        archive = zipfile.ZipFile(binary)
        members = [m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith((".csv", ".txt"))]
        if not members:
            raise RegisterFormatError("no CSV in the archive")
        member = max(members, key=lambda m: m.file_size)
        raw = archive.open(member)
        sample = raw.read(65536)
        raw.close()
        raw = archive.open(member)
    else:
        raw = binary
        sample = raw.read(65536)
        raw.seek(0)
    encoding = sniff_encoding(sample)
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")


def iter_rows(binary):
    """Yield (line number, {field: value}) for each data row of the register file, streaming.

    Raises RegisterFormatError when the file has no header with a certificate number column.
    """
    text = open_text(binary)
    first = text.read(4096)
    if not first.strip():
        raise RegisterFormatError("empty file")
    delimiter = ";" if first.count(";") >= first.count(",") or first.count(";") >= first.count("\t") else ","
    if first.count("\t") > first.count(";") and first.count("\t") > first.count(","):
        delimiter = "\t"
    reader = csv.reader(_Chained(first, text), delimiter=delimiter, quotechar='"')
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as err:
        raise RegisterFormatError("no header row") from err
    pairs = [(index, field) for index, field in enumerate(header_fields(header)) if field]
    last = max(index for index, _field in pairs)
    for row in reader:
        if len(row) > last:
            values = {field: row[index].strip() for index, field in pairs}
        elif not any(cell.strip() for cell in row):
            continue  # an empty line
        else:
            values = {field: row[index].strip() for index, field in pairs if index < len(row)}
        if not values.get("registration_number") and not any(values.values()):
            continue  # a line of separators only
        yield reader.line_num, values


class _Chained:
    """Iterate lines of an already read head, then of the rest of the stream (csv.reader wants lines)."""

    def __init__(self, head, stream):
        self.head = io.StringIO(head)
        self.stream = stream
        self.pending = None

    def __iter__(self):
        for line in self.head:
            if line.endswith(("\n", "\r")):
                yield line
            else:
                # the head stopped in the middle of a line: complete it from the stream
                yield line + self.stream.readline()
        yield from self.stream


LEGAL_FORMS = re.compile(
    r"\b(ооо|оао|зао|пао|ао|ип|фгуп|гмбх|gmbh|ag|ltd|llc|inc|co|corp|corporation|limited|kg|s\.?a|s\.?p\.?a|"
    r"company|компания|общество с ограниченной ответственностью|акционерное общество|закрытое|открытое|"
    r"публичное|фирма|firm|mbh|bv|b\.v|plc|oy|ab|as|srl|s\.r\.l|sas|nv|pte|pvt|the|&)\b",
    re.IGNORECASE,
)
NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def name_tokens(name):
    """The significant words of an organisation's name (no legal form, no punctuation, no short words)."""
    text = LEGAL_FORMS.sub(" ", (name or "").lower().replace("ё", "е"))
    return {token for token in NON_WORD.split(text) if len(token) >= 3 and not token.isdigit()}


def producer_matches(producer, manufacturer):
    """Whether the register's producer names the product's manufacturer (a shared significant word)."""
    wanted = name_tokens(manufacturer)
    if not wanted:
        return True
    return bool(wanted & name_tokens(producer))
