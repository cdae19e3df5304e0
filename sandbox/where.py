"""A safe parser for Xero's `where` filter: a tokenizer and a recursive-descent parser, never eval.

https://developer.xero.com/documentation/api/accounting/requests-and-responses#retrieving-a-filtered-set-of-results
Xero's `where` is a subset of .NET Dynamic LINQ. Supported here: `==` (also `=`), `!=` (also
`<>`), `<`, `<=`, `>`, `>=`, `AND`/`&&`, `OR`/`||`, `NOT`/`!`, parentheses, the string methods
`Contains`, `StartsWith`, `EndsWith`, `ToLower`, `ToUpper`, `Trim`, string literals with `\\"`
escapes, numbers, `true`/`false`/`null`, `DateTime(y, m, d[, h, mi, s])`, `Guid("...")` and
dotted fields such as `Contact.ContactID`. Field names and keywords match case-insensitively;
string comparisons are case-sensitive, as in .NET (use `.ToLower()` to ignore case). A method
called on a null field gives null (or false), where Xero would fail the whole request.

`compile_where(text, schema, entity)` type-checks the expression against the resource's fields
and returns a `Predicate` over a row mapping (column name -> value), or raises `QueryParseError`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_LENGTH = 4000
MAX_DEPTH = 40
MAX_CALLS = 8

Row = Mapping[str, Any]
Getter = Callable[[Row], Any]

STRING, NUMBER, BOOL, DATETIME, GUID, NULL = (
    "String",
    "Decimal",
    "Boolean",
    "DateTime",
    "Guid",
    "Null",
)
_FIELD_TYPES = {
    "string": STRING,
    "number": NUMBER,
    "bool": BOOL,
    "date": DATETIME,
    "datetime": DATETIME,
    "guid": GUID,
}
_STRING_PREDICATES = {
    "contains": lambda s, a: a in s,
    "startswith": lambda s, a: s.startswith(a),
    "endswith": lambda s, a: s.endswith(a),
}
_STRING_TRANSFORMS = {
    "tolower": str.lower,
    "tolowerinvariant": str.lower,
    "toupper": str.upper,
    "toupperinvariant": str.upper,
    "trim": str.strip,
}
_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}
_ORDERED_TYPES = {STRING, NUMBER, DATETIME}


class QueryParseError(Exception):
    """The `where` text is not something Xero would accept."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Field:
    """A where-able field: its type ("string", "number", "bool", "date", "datetime", "guid")."""

    type: str
    column: str


@dataclass(frozen=True)
class Token:
    kind: str  # IDENT, STRING, NUMBER, OP, EOF
    value: Any
    pos: int


@dataclass(frozen=True)
class Predicate:
    """A compiled filter: call it with a row; `columns` names the row keys it reads."""

    test: Callable[[Row], bool]
    columns: frozenset[str]
    text: str

    def __call__(self, row: Row) -> bool:
        return self.test(row)


@dataclass(frozen=True)
class _Expr:
    get: Getter
    type: str
    literal: bool = False


# ---------------------------------------------------------------------------------- tokenizer

DIGITS = frozenset("0123456789")
_TWO_CHAR_OPS = {"==", "!=", "<>", "<=", ">=", "&&", "||"}
_ONE_CHAR_OPS = set("=<>!().,-")


def tokenize(text: str) -> list[Token]:
    """Split `where` text into tokens; QueryParseError for characters Xero would not accept."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == '"':
            start = i
            value, i = _read_string(text, i)
            tokens.append(Token("STRING", value, start))
        elif ch in DIGITS:
            start = i
            while i < n and text[i] in DIGITS:
                i += 1
            if i + 1 < n and text[i] == "." and text[i + 1] in DIGITS:
                i += 1
                while i < n and text[i] in DIGITS:
                    i += 1
            tokens.append(Token("NUMBER", Decimal(text[start:i]), start))
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            start = i
            while i < n and text[i].isascii() and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(Token("IDENT", text[start:i], start))
        elif text[i : i + 2] in _TWO_CHAR_OPS:
            tokens.append(Token("OP", text[i : i + 2], i))
            i += 2
        elif ch in _ONE_CHAR_OPS:
            tokens.append(Token("OP", ch, i))
            i += 1
        else:
            raise QueryParseError(f"Syntax error '{ch}' (at index {i})")
    tokens.append(Token("EOF", None, n))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    """The string literal opening at `start` (with \\" and \\\\ escapes) and the index after it."""
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
        elif ch == '"':
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise QueryParseError(f"Unterminated string literal (at index {start})")


# ------------------------------------------------------------------------------------ parser


class _Parser:
    """Recursive descent over the token list, type-checking and compiling as it goes."""

    def __init__(self, text: str, schema: Mapping[str, Field], entity: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.entity = entity
        self.fields = {name.lower(): (name, field) for name, field in schema.items()}
        self.columns: set[str] = set()

    # token helpers
    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at_op(self, *ops: str) -> bool:
        return self.token.kind == "OP" and self.token.value in ops

    def at_word(self, *words: str) -> bool:
        return self.token.kind == "IDENT" and self.token.value.lower() in words

    def expect_op(self, op: str) -> None:
        if not self.at_op(op):
            raise QueryParseError(f"'{op}' expected (at index {self.token.pos})")
        self.advance()

    def error(self, message: str) -> QueryParseError:
        return QueryParseError(f"{message} (at index {self.token.pos})")

    # grammar
    def parse(self) -> _Expr:
        expr = self.parse_or()
        if self.token.kind != "EOF":
            raise self.error("Syntax error")
        if expr.type != BOOL:
            raise QueryParseError("Expression of type 'Boolean' expected")
        return expr

    def parse_or(self) -> _Expr:
        operands = [self.parse_and()]
        while self.at_op("||") or self.at_word("or"):
            self.advance()
            operands.append(self.parse_and())
        return _logical(operands, any_=True)

    def parse_and(self) -> _Expr:
        operands = [self.parse_not()]
        while self.at_op("&&") or self.at_word("and"):
            self.advance()
            operands.append(self.parse_not())
        return _logical(operands, any_=False)

    def parse_not(self) -> _Expr:
        if self.at_op("!") or self.at_word("not"):
            self.advance()
            with _Nested(self):
                operand = self.parse_not()
            if operand.type != BOOL:
                raise QueryParseError("Operator '!' incompatible with operand type")
            get = operand.get
            return _Expr(lambda row: not get(row), BOOL)
        return self.parse_comparison()

    def parse_comparison(self) -> _Expr:
        left = self.parse_postfix()
        if not self.at_op("==", "=", "!=", "<>", "<", "<=", ">", ">="):
            return left
        op = {"=": "==", "<>": "!="}.get(self.token.value, self.token.value)
        self.advance()
        right = self.parse_postfix()
        return _compare(op, left, right)

    def parse_postfix(self) -> _Expr:
        expr = self.parse_primary()
        calls = 0
        while self.at_op("."):
            calls += 1
            if calls > MAX_CALLS:
                raise self.error("Too many method calls")
            self.advance()
            if self.token.kind != "IDENT":
                raise self.error("Identifier expected")
            name = self.advance().value
            args = self.parse_arguments()
            expr = _method(expr, name, args)
        return expr

    def parse_arguments(self) -> list[_Expr]:
        self.expect_op("(")
        args: list[_Expr] = []
        if not self.at_op(")"):
            with _Nested(self):
                args.append(self.parse_or())
                while self.at_op(","):
                    self.advance()
                    args.append(self.parse_or())
        self.expect_op(")")
        return args

    def parse_primary(self) -> _Expr:
        token = self.token
        if self.at_op("("):
            self.advance()
            with _Nested(self):
                expr = self.parse_or()
            self.expect_op(")")
            return expr
        if token.kind == "STRING":
            self.advance()
            return _literal(token.value, STRING)
        if token.kind == "NUMBER":
            self.advance()
            return _literal(token.value, NUMBER)
        if self.at_op("-") and self.tokens[self.pos + 1].kind == "NUMBER":
            self.advance()
            return _literal(-self.advance().value, NUMBER)
        if token.kind == "IDENT":
            return self.parse_identifier()
        raise self.error("Expression expected")

    def parse_identifier(self) -> _Expr:
        word = self.token.value.lower()
        if word in ("true", "false"):
            self.advance()
            return _literal(word == "true", BOOL)
        if word == "null":
            self.advance()
            return _literal(None, NULL)
        if word == "datetime" and self.tokens[self.pos + 1].value == "(":
            self.advance()
            return _literal(self.datetime_arguments(), DATETIME)
        if word == "guid" and self.tokens[self.pos + 1].value == "(":
            self.advance()
            return _literal(self.guid_argument(), GUID)
        return self.parse_field()

    def parse_field(self) -> _Expr:
        parts = [self.advance().value]
        while (
            self.at_op(".")
            and self.tokens[self.pos + 1].kind == "IDENT"
            and not (
                self.tokens[self.pos + 2].kind == "OP" and self.tokens[self.pos + 2].value == "("
            )
        ):
            self.advance()
            parts.append(self.advance().value)
        path = ".".join(parts).lower()
        if path not in self.fields:
            owner = parts[-2] if len(parts) > 1 else self.entity
            raise QueryParseError(f"No property or field '{parts[-1]}' exists in type '{owner}'")
        _name, field = self.fields[path]
        self.columns.add(field.column)
        return _Expr(_field_getter(field), _FIELD_TYPES[field.type])

    def datetime_arguments(self) -> datetime:
        args = self.integer_arguments()
        if len(args) not in (3, 6):
            raise QueryParseError("No matching constructor in type 'DateTime'")
        try:
            return datetime(*args, tzinfo=UTC)
        except (ValueError, OverflowError) as exc:
            raise QueryParseError(f"Invalid DateTime: {exc}") from exc

    def integer_arguments(self) -> list[int]:
        self.expect_op("(")
        values: list[int] = []
        while True:
            token = self.advance()
            if token.kind != "NUMBER" or token.value != token.value.to_integral_value():
                raise QueryParseError(f"Integer expected (at index {token.pos})")
            if token.value > 9999:
                raise QueryParseError(f"Value out of range (at index {token.pos})")
            values.append(int(token.value))
            if self.at_op(")"):
                self.advance()
                return values
            self.expect_op(",")

    def guid_argument(self) -> uuid.UUID:
        self.expect_op("(")
        token = self.advance()
        if token.kind != "STRING":
            raise QueryParseError(f"String expected (at index {token.pos})")
        self.expect_op(")")
        try:
            return uuid.UUID(token.value)
        except ValueError as exc:
            raise QueryParseError(f"'{token.value}' is not a valid Guid") from exc


class _Nested:
    """Counts nesting so that deep input fails as a parse error, not as a RecursionError."""

    def __init__(self, parser: _Parser) -> None:
        self.parser = parser

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            raise QueryParseError("Expression is nested too deeply")

    def __exit__(self, *exc: object) -> None:
        self.parser.depth -= 1


# ------------------------------------------------------------------------- typed compilation


def _literal(value: Any, type_: str) -> _Expr:
    return _Expr(lambda row: value, type_, literal=True)


def _field_getter(field: Field) -> Getter:
    column = field.column
    if field.type == "date":
        return lambda row: _as_datetime(row.get(column))
    if field.type == "datetime":
        return lambda row: _aware(row.get(column))
    if field.type == "number":
        return lambda row: _as_decimal(row.get(column))
    if field.type == "guid":
        return lambda row: _as_uuid(row.get(column))
    if field.type == "string":
        return lambda row: row.get(column) or None
    return lambda row: row.get(column)


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _as_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _as_uuid(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _logical(operands: list[_Expr], *, any_: bool) -> _Expr:
    """A flat AND/OR over operands (flat, so that long chains cannot exhaust the stack)."""
    if len(operands) == 1:
        return operands[0]
    for operand in operands:
        if operand.type != BOOL:
            name = "Or" if any_ else "And"
            raise QueryParseError(
                f"Operator '{name}' incompatible with operand type '{operand.type}'"
            )
    getters = tuple(operand.get for operand in operands)
    if any_:
        return _Expr(lambda row: any(get(row) for get in getters), BOOL)
    return _Expr(lambda row: all(get(row) for get in getters), BOOL)


def _coerce_guid_literal(left: _Expr, right: _Expr) -> tuple[_Expr, _Expr]:
    """Let `ContactID == "..."` compare a Guid field with a string literal holding a Guid."""
    if left.type == GUID and right.type == STRING and right.literal:
        return left, _literal(_as_uuid(right.get({})), GUID)
    if right.type == GUID and left.type == STRING and left.literal:
        return _literal(_as_uuid(left.get({})), GUID), right
    return left, right


def _compare(op: str, left: _Expr, right: _Expr) -> _Expr:
    left, right = _coerce_guid_literal(left, right)
    types = {left.type, right.type}
    equality = op in ("==", "!=")
    same_type = len(types) == 1 and left.type != NULL
    compatible = (same_type and (equality or left.type in _ORDERED_TYPES)) or (
        equality and NULL in types
    )
    if not compatible:
        raise QueryParseError(
            f"Operator '{op}' incompatible with operand types '{left.type}' and '{right.type}'"
        )
    lget, rget = left.get, right.get
    return _Expr(lambda row: _apply(op, lget(row), rget(row)), BOOL)


def _apply(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        if op == "==":
            return a is None and b is None
        if op == "!=":
            return not (a is None and b is None)
        return False
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _method(target: _Expr, name: str, args: list[_Expr]) -> _Expr:
    key = name.lower()
    if target.type != STRING or (key not in _STRING_PREDICATES and key not in _STRING_TRANSFORMS):
        raise QueryParseError(f"No applicable method '{name}' exists in type '{target.type}'")
    tget = target.get
    if key in _STRING_TRANSFORMS:
        if args:
            raise QueryParseError(f"No applicable method '{name}' exists in type 'String'")
        transform = _STRING_TRANSFORMS[key]
        return _Expr(lambda row: _maybe(transform, tget(row)), STRING)
    if len(args) != 1 or args[0].type != STRING:
        raise QueryParseError(f"No applicable method '{name}' exists in type 'String'")
    test, aget = _STRING_PREDICATES[key], args[0].get
    return _Expr(lambda row: _string_test(test, tget(row), aget(row)), BOOL)


def _maybe(transform: Callable[[str], str], value: Any) -> str | None:
    return transform(value) if isinstance(value, str) else None


def _string_test(test: Callable[[str, str], bool], value: Any, arg: Any) -> bool:
    if not isinstance(value, str) or not isinstance(arg, str):
        return False
    return test(value, arg)


def compile_where(text: str, schema: Mapping[str, Field], entity: str) -> Predicate:
    """The `where` text as a Predicate over rows of `schema`'s columns; QueryParseError if bad."""
    if len(text) > MAX_LENGTH:
        raise QueryParseError("The where clause is too long")
    parser = _Parser(text, schema, entity)
    expr = parser.parse()
    get = expr.get
    return Predicate(lambda row: bool(get(row)), frozenset(parser.columns), text)
