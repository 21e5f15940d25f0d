"""Normalisation of counterparty requisites, shared by the duplicate check and the 1C bridge.

Pure functions (no ORM): they turn what people type — «ООО "Ромашка"», "ИНН 7701 526 010",
"8 (495) 375-71-01 доб. 12" — into comparable keys.
"""

import re

# A legal form says nothing about who the company is: «ООО "Ромашка"» and «Ромашка, АО» are both "ромашка".
# Full forms first, longest first, so that "закрытое акционерное общество" goes before "акционерное общество".
LEGAL_FORM_PHRASES = sorted(
    [
        "общество с ограниченной ответственностью",
        "открытое акционерное общество",
        "закрытое акционерное общество",
        "публичное акционерное общество",
        "непубличное акционерное общество",
        "акционерное общество",
        "индивидуальный предприниматель",
        "федеральное государственное бюджетное учреждение здравоохранения",
        "федеральное государственное бюджетное учреждение",
        "государственное бюджетное учреждение здравоохранения",
        "государственное автономное учреждение здравоохранения",
        "государственное казенное учреждение здравоохранения",
        "государственное бюджетное учреждение",
        "государственное автономное учреждение",
        "государственное унитарное предприятие",
        "муниципальное бюджетное учреждение здравоохранения",
        "муниципальное унитарное предприятие",
        "автономная некоммерческая организация",
        "некоммерческая организация",
        "limited liability company",
    ],
    key=len,
    reverse=True,
)
_LEGAL_FORM_WORDS = """
    ооо оао зао пао нао ао ип чп тоо одо кфх пк гбуз гауз гкуз гбу гау гку гуп гуз мбуз мауз мбу мау
    муз муп фгбу фгбоу фгуп фку фгау фбуз фгбну фгбуз фгку ано нко нп чуз чу чоу llc ltd inc gmbh jsc
"""
LEGAL_FORM_ABBREVIATIONS = frozenset(_LEGAL_FORM_WORDS.split())
QUOTES = "«»„“”‟\"'`’‘"
NAME_TOKEN = re.compile(r"[0-9a-zа-я]+")
INN_PREFIX = re.compile(r"^\s*(инн|inn|ru)\s*[:№#]?\s*", re.IGNORECASE)
INN_NOISE = re.compile(r"[\s\-.:№#]")
PHONE_EXTENSION = re.compile(r"(доб\.?|ext\.?|extension|добавочный|#).*$", re.IGNORECASE)
KPP_FORMAT = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")

# Addresses of public mail services: a shared domain says nothing about the company.
_PUBLIC_MAIL_WORDS = """
    mail.ru bk.ru list.ru inbox.ru internet.ru mail.ua yandex.ru ya.ru yandex.com yandex.by yandex.kz
    yandex.ua narod.ru rambler.ru ro.ru lenta.ru autorambler.ru myrambler.ru rambler.ua gmail.com
    googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com icloud.com me.com mac.com aol.com
    gmx.com gmx.net mail.com protonmail.com proton.me pm.me zoho.com qip.ru ngs.ru e1.ru
"""
PUBLIC_MAIL_DOMAINS = frozenset(_PUBLIC_MAIL_WORDS.split())


def clean_inn(value):
    """INN as digits when the value is an INN written another way ("ИНН 7701 526 010", "RU7701526010").

    Anything that does not become digits only (a foreign VAT number) is returned stripped, unchanged.
    """
    if not value:
        return value
    text = str(value).strip()
    compact = INN_NOISE.sub("", INN_PREFIX.sub("", text))
    return compact if compact.isdigit() else text


def normalize_kpp(value):
    """KPP without spaces, upper case (its 5th and 6th characters may be Latin letters)."""
    return re.sub(r"\s", "", str(value)).upper() if value else ""


def is_valid_kpp(value):
    return bool(KPP_FORMAT.match(normalize_kpp(value)))


def name_key(name):
    """Comparable company name: case, ё, quotes, punctuation and legal forms do not count."""
    if not name:
        return ""
    text = str(name).lower().replace("ё", "е")
    for quote in QUOTES:
        text = text.replace(quote, " ")
    text = " ".join(NAME_TOKEN.findall(text))
    for phrase in LEGAL_FORM_PHRASES:
        text = re.sub(rf"(^| ){phrase}( |$)", " ", text)
    tokens = [token for token in text.split() if token not in LEGAL_FORM_ABBREVIATIONS]
    return " ".join(tokens)


def phone_key(phone):
    """Comparable phone: digits of the number without extension; Russian numbers as their 10 national digits."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", PHONE_EXTENSION.sub("", str(phone)))
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    return digits if len(digits) >= 7 else ""


def email_domain(email, public_domains=PUBLIC_MAIL_DOMAINS):
    """Domain of a company e-mail; empty for public mail services (mail.ru, yandex.ru, gmail.com, ...)."""
    if not email or "@" not in str(email):
        return ""
    domain = str(email).strip().rsplit("@", 1)[1].strip(" >").lower()
    if not domain or "." not in domain or domain in public_domains:
        return ""
    return domain
