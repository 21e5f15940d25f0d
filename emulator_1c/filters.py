"""OData v3 `$filter` / `$orderby` parsing, as far as 1C's standard interface supports them.

The expression is compiled once into nested Python closures and then run over rows (plain dicts).
Supported: eq ne gt ge lt le, and or not, add sub mul div mod, parentheses, literals (strings with ''
escaping, guid'...', datetime'...', numbers, true/false/null), functions substringof, startswith,
endswith, like (1C's extension, % and _ wildcards), tolower, toupper, trim, length, indexof,
concat, year, month, day, hour, minute, second, round, floor, ceiling, and the lambda operators
any/all over tabular parts, e.g. ``ДополнительныеРеквизиты/any(d: d/Значение eq 'РЗН 2019/8123')``.

String matching is case-insensitive, as it is on a 1C base running on MS SQL or PostgreSQL.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .util import is_guid


class FilterError(ValueError):
    """The expression cannot be parsed or names an unknown property."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<guid>guid'[^']*')
      | (?P<dt>datetime(?:offset)?'[^']*')
      | (?P<str>'(?:[^']|'')*')
      | (?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?[mMdDfFlL]?)
      | (?P<punct>[(),:])
      | (?P<name>[^\s(),:']+)
    )""",
    re.VERBOSE,
)

_CMP = {"eq", "ne", "gt", "ge", "lt", "le"}
Fn = Callable[[dict, dict], Any]


def tokenize(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"Синтаксическая ошибка в выражении отбора в позиции {pos + 1}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _norm(value: Any) -> Any:
    """Bring values to comparable forms: GUIDs case-insensitively, datetimes as ISO strings."""
    if isinstance(value, str) and is_guid(value):
        return value.lower()
    return value


def _compare(op: str, a: Any, b: Any) -> bool:
    a, b = _norm(a), _norm(b)
    if op == "eq":
        return a == b
    if op == "ne":
        return a != b
    if a is None or b is None:
        return False
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    try:
        if op == "gt":
            return a > b
        if op == "ge":
            return a >= b
        if op == "lt":
            return a < b
        return a <= b
    except TypeError:
        return False


def _like(value: Any, pattern: Any) -> bool:
    if not isinstance(value, str) or not isinstance(pattern, str):
        return False
    rx = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(rx, value, re.IGNORECASE | re.DOTALL) is not None


def _lower(v: Any) -> Any:
    return v.lower() if isinstance(v, str) else v


def _date_part(index: int) -> Callable[[Any], Any]:
    def part(v: Any) -> Any:
        if not isinstance(v, str) or len(v) < 19:
            return None
        pieces = (v[0:4], v[5:7], v[8:10], v[11:13], v[14:16], v[17:19])
        return int(pieces[index])
    return part


_FUNCS: dict[str, tuple[int, Callable[..., Any]]] = {
    "substringof": (2, lambda needle, hay: isinstance(hay, str) and isinstance(needle, str)
                    and needle.lower() in hay.lower()),
    "startswith": (2, lambda s, p: isinstance(s, str) and isinstance(p, str) and s.lower().startswith(p.lower())),
    "endswith": (2, lambda s, p: isinstance(s, str) and isinstance(p, str) and s.lower().endswith(p.lower())),
    "like": (2, _like),
    "tolower": (1, _lower),
    "toupper": (1, lambda v: v.upper() if isinstance(v, str) else v),
    "trim": (1, lambda v: v.strip() if isinstance(v, str) else v),
    "length": (1, lambda v: len(v) if isinstance(v, str) else None),
    "indexof": (2, lambda s, p: s.lower().find(p.lower()) if isinstance(s, str) and isinstance(p, str) else None),
    "concat": (2, lambda a, b: f"{a}{b}"),
    "year": (1, _date_part(0)),
    "month": (1, _date_part(1)),
    "day": (1, _date_part(2)),
    "hour": (1, _date_part(3)),
    "minute": (1, _date_part(4)),
    "second": (1, _date_part(5)),
    "round": (1, lambda v: float(round(v)) if isinstance(v, (int, float)) else None),
    "floor": (1, lambda v: float(math.floor(v)) if isinstance(v, (int, float)) else None),
    "ceiling": (1, lambda v: float(math.ceil(v)) if isinstance(v, (int, float)) else None),
}


def _arith(op: str, a: Any, b: Any) -> Any:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return None
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / b if b else None
    return a % b if b else None


class _Parser:
    def __init__(self, text: str, props: set[str], tables: dict[str, set[str]]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.props = props
        self.tables = tables
        self.lambdas: dict[str, set[str]] = {}  # lambda variable -> properties of the rows it ranges over

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise FilterError("Неожиданный конец выражения отбора")
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.take()
        if tok[1] != value:
            raise FilterError(f"Ожидалось «{value}», получено «{tok[1]}»")

    def word(self) -> str | None:
        tok = self.peek()
        return tok[1].lower() if tok and tok[0] == "name" else None

    def parse(self) -> Fn:
        fn = self.or_expr()
        if self.peek() is not None:
            raise FilterError(f"Лишние символы в выражении отбора: «{self.peek()[1]}»")
        return fn

    def or_expr(self) -> Fn:
        left = self.and_expr()
        while self.word() == "or":
            self.take()
            right = self.and_expr()
            left = (lambda a, b: lambda r, e: bool(a(r, e)) or bool(b(r, e)))(left, right)
        return left

    def and_expr(self) -> Fn:
        left = self.not_expr()
        while self.word() == "and":
            self.take()
            right = self.not_expr()
            left = (lambda a, b: lambda r, e: bool(a(r, e)) and bool(b(r, e)))(left, right)
        return left

    def not_expr(self) -> Fn:
        if self.word() == "not":
            self.take()
            inner = self.not_expr()
            return lambda r, e: not inner(r, e)
        return self.cmp_expr()

    def cmp_expr(self) -> Fn:
        left = self.add_expr()
        op = self.word()
        if op in _CMP:
            self.take()
            right = self.add_expr()
            return lambda r, e: _compare(op, left(r, e), right(r, e))
        return left

    def add_expr(self) -> Fn:
        left = self.mul_expr()
        while self.word() in ("add", "sub"):
            op = self.take()[1].lower()
            right = self.mul_expr()
            left = (lambda a, b, o: lambda r, e: _arith(o, a(r, e), b(r, e)))(left, right, op)
        return left

    def mul_expr(self) -> Fn:
        left = self.primary()
        while self.word() in ("mul", "div", "mod"):
            op = self.take()[1].lower()
            right = self.primary()
            left = (lambda a, b, o: lambda r, e: _arith(o, a(r, e), b(r, e)))(left, right, op)
        return left

    def primary(self) -> Fn:
        kind, value = self.take()
        if kind == "punct" and value == "(":
            inner = self.or_expr()
            self.expect(")")
            return inner
        if kind == "str":
            text = value[1:-1].replace("''", "'")
            return lambda r, e: text
        if kind == "guid":
            guid = value[5:-1]
            if not is_guid(guid):
                raise FilterError(f"Неверный формат GUID: {guid}")
            guid = guid.lower()
            return lambda r, e: guid
        if kind == "dt":
            raw = value[value.index("'") + 1:-1]
            norm = raw[:19] if len(raw) >= 19 else (raw + "T00:00:00" if len(raw) == 10 else raw)
            return lambda r, e: norm
        if kind == "num":
            raw = value.rstrip("mMdDfFlL")
            num = float(raw) if any(c in raw for c in ".eE") else int(raw)
            return lambda r, e: num
        if kind != "name":
            raise FilterError(f"Неожиданный символ «{value}»")
        low = value.lower()
        if low in ("true", "false"):
            flag = low == "true"
            return lambda r, e: flag
        if low == "null":
            return lambda r, e: None
        nxt = self.peek()
        if low in _FUNCS and nxt and nxt[1] == "(":
            return self.call(low)
        return self.path(value)

    def call(self, name: str) -> Fn:
        arity, impl = _FUNCS[name]
        self.expect("(")
        args = [self.or_expr()]
        while self.peek() and self.peek()[1] == ",":
            self.take()
            args.append(self.or_expr())
        self.expect(")")
        if len(args) != arity:
            raise FilterError(f"Функция {name} ожидает {arity} аргумент(а)")
        return lambda r, e: impl(*(a(r, e) for a in args))

    def path(self, value: str) -> Fn:
        parts = value.split("/")
        head = parts[0]
        if head in self.lambdas:  # d/Свойство_Key inside any()/all()
            if len(parts) != 2 or parts[1] not in self.lambdas[head]:
                raise FilterError(f"Неизвестное свойство «{value}»")
            field = parts[1]
            return lambda r, e: e[head].get(field)
        if len(parts) == 2 and parts[1].lower() in ("any", "all") and head in self.tables:
            return self.lambda_op(head, parts[1].lower())
        if len(parts) > 1:
            raise FilterError(f"Переход по ссылкам в отборе не поддерживается эмулятором: «{value}»")
        if head not in self.props:
            raise FilterError(f"Неизвестное свойство «{head}»")
        return lambda r, e: r.get(head)

    def lambda_op(self, table: str, op: str) -> Fn:
        self.expect("(")
        var = self.take()[1]
        self.expect(":")
        self.lambdas[var] = self.tables[table]
        body = self.or_expr()
        del self.lambdas[var]
        self.expect(")")
        pick = any if op == "any" else all

        def run(r: dict, e: dict) -> bool:
            rows = r.get(table) or []
            return pick(body(r, {**e, var: row}) for row in rows)
        return run


def compile_filter(text: str, props: set[str], tables: dict[str, set[str]] | None = None) -> Callable[[dict], bool]:
    fn = _Parser(text, props, tables or {}).parse()
    return lambda row: bool(fn(row, {}))


def parse_orderby(text: str, props: set[str]) -> list[tuple[str, bool]]:
    """`Code desc, Description` -> [("Code", True), ("Description", False)]."""
    out = []
    for part in text.split(","):
        bits = part.split()
        if not bits:
            continue
        if bits[0] not in props or len(bits) > 2 or (len(bits) == 2 and bits[1].lower() not in ("asc", "desc")):
            raise FilterError(f"Неверное выражение упорядочивания: «{part.strip()}»")
        out.append((bits[0], len(bits) == 2 and bits[1].lower() == "desc"))
    return out


def sort_rows(rows: list[dict], order: list[tuple[str, bool]]) -> list[dict]:
    """Stable multi-key sort; None sorts first as an empty value does in 1C."""
    for name, desc in reversed(order):
        rows = sorted(rows, key=lambda r, n=name: (r.get(n) is not None, _lower(_norm(r.get(n))) if not isinstance(
            r.get(n), bool) else r.get(n)), reverse=desc)
    return rows
