"""Hand-written tokenizer and recursive-descent parser for the condition language.

Grammar and meaning: docs/conditions.md. The text is never handed to `eval`; every error is a
ConditionSyntaxError with a message a rule author understands and the 1-based position of the
offending token.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from recommender.conditions.ast import (
    COMPARISON_OPS,
    KEYWORDS,
    And,
    Answered,
    Arith,
    Calc,
    Compare,
    Condition,
    Contains,
    Count,
    CountIn,
    Expr,
    Field,
    In,
    ListLiteral,
    Literal,
    Not,
    Or,
    ParamRef,
    Scalar,
    SetRef,
    Truthy,
)
from recommender.conditions.errors import ConditionSyntaxError

MAX_CONDITION_LENGTH = 10_000
MAX_NESTING = 50

ID_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER_RE = re.compile(r"-?(?:\d[\d_]*)(?:\.\d[\d_]*)?|-?\.\d[\d_]*")
_SET_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Operators people type by habit, and what they most likely meant.
_TYPOS = {
    "=": "'==' (two equals signs)",
    "===": "'=='",
    "!": "'!=' or 'not'",
    "=<": "'<='",
    "=>": "'>='",
    "<>": "'!='",
    "&&": "'and'",
    "&": "'and'",
    "||": "'or'",
    "|": "'or'",
}


_CONTAINS_MODES = {
    "contains": "one",
    "contains_any": "any",
    "contains_all": "all",
    "contains_none": "none",
}
# Tokens after which a '-' subtracts (elsewhere it starts a negative number).
_VALUE_END = ("word", "number", ")", "param")


@dataclass(frozen=True)
class Token:
    kind: str  # word number string op arith param ( ) [ ] , @ end
    text: str
    value: Scalar | None
    line: int
    col: int


def _describe(tok: Token) -> str:
    if tok.kind == "end":
        return "the end of the condition"
    return f"'{tok.text}'"


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens; raise ConditionSyntaxError on characters we cannot read."""
    tokens: list[Token] = []
    i, line, line_start = 0, 1, 0
    n = len(text)
    while i < n:
        c = text[i]
        col = i - line_start + 1
        if c == "\n":
            i += 1
            line, line_start = line + 1, i
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "#":
            # A comment runs to the end of the line (handy in multi-line `when:` blocks).
            while i < n and text[i] != "\n":
                i += 1
            continue
        if c in "()[],@":
            tokens.append(Token(c, c, None, line, col))
            i += 1
            continue
        if c in "+*/" or (
            c == "-"
            and tokens
            and tokens[-1].kind in _VALUE_END
            and not (tokens[-1].kind == "word" and tokens[-1].text in KEYWORDS)
        ):
            tokens.append(Token("arith", c, None, line, col))
            i += 1
            continue
        if c == "$":
            m = _WORD_RE.match(text, i + 1)
            if m is None:
                raise ConditionSyntaxError(
                    "expected a parameter name right after '$', like $enterprise_volume",
                    line,
                    col,
                )
            tokens.append(Token("param", text[i : m.end()], m.group(), line, col))
            i = m.end()
            continue
        if c in "\"'":
            j = i + 1
            chars: list[str] = []
            while j < n and text[j] != c:
                if text[j] == "\n":
                    break
                if text[j] == "\\" and j + 1 < n and text[j + 1] in (c, "\\"):
                    j += 1
                chars.append(text[j])
                j += 1
            if j >= n or text[j] != c:
                raise ConditionSyntaxError(f"unclosed quote {c}: add a closing {c}", line, col)
            tokens.append(Token("string", text[i : j + 1], "".join(chars), line, col))
            i = j + 1
            continue
        m = _NUMBER_RE.match(text, i)
        if m and (c.isdigit() or c in "-."):
            raw = m.group()
            end = m.end()
            if end < n and (text[end].isalpha() or text[end] == "_"):
                w = _WORD_RE.match(text, end)
                bad = raw + (w.group() if w else "")
                raise ConditionSyntaxError(
                    f"'{bad}' is not a number; put a value that starts with a digit in quotes",
                    line,
                    col,
                )
            if "__" in raw or raw.rstrip("_") != raw or "_." in raw or "._" in raw:
                raise ConditionSyntaxError(f"'{raw}' is not a valid number", line, col)
            digits = raw.replace("_", "")
            value: Scalar = float(digits) if "." in digits else int(digits)
            tokens.append(Token("number", raw, value, line, col))
            i = end
            continue
        m = _WORD_RE.match(text, i)
        if m:
            tokens.append(Token("word", m.group(), m.group(), line, col))
            i = m.end()
            continue
        if c in "=!<>&|":
            j = i
            while j < n and text[j] in "=!<>&|":
                j += 1
            op = text[i:j]
            if op in COMPARISON_OPS:
                tokens.append(Token("op", op, None, line, col))
                i = j
                continue
            # Longest known prefix first ("==!" -> "==" then "!").
            for k in range(len(op) - 1, 0, -1):
                if op[:k] in COMPARISON_OPS:
                    tokens.append(Token("op", op[:k], None, line, col))
                    i += k
                    break
            else:
                hint = _TYPOS.get(op)
                if hint:
                    raise ConditionSyntaxError(
                        f"unknown operator '{op}', did you mean {hint}?", line, col
                    )
                raise ConditionSyntaxError(f"unknown operator '{op}'", line, col)
            continue
        if c == "-":
            raise ConditionSyntaxError(
                "unexpected '-': write a negative number without a space (-5), or subtract "
                "from 0 (0 - x)",
                line,
                col,
            )
        raise ConditionSyntaxError(f"unexpected character '{c}'", line, col)
    col = n - line_start + 1
    tokens.append(Token("end", "", None, line, col))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    # -- helpers ---------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != "end":
            self.pos += 1
        return tok

    def is_word(self, word: str, tok: Token | None = None) -> bool:
        t = tok or self.tok
        return t.kind == "word" and t.text == word

    def fail(self, message: str, tok: Token | None = None) -> ConditionSyntaxError:
        t = tok or self.tok
        return ConditionSyntaxError(message, t.line, t.col)

    # -- grammar ---------------------------------------------------------------------------
    def parse(self) -> Condition:
        if self.tok.kind == "end":
            raise self.fail("the condition is empty")
        node = self.or_expr()
        if self.tok.kind != "end":
            raise self.unexpected_after_condition()
        return node

    def unexpected_after_condition(self) -> ConditionSyntaxError:
        tok = self.tok
        if tok.kind == ")":
            return self.fail("')' without a matching '('")
        if tok.kind == "word" and tok.text.lower() in ("and", "or") and tok.text not in KEYWORDS:
            return self.fail(f"keywords are lower case: write '{tok.text.lower()}'")
        return self.fail(
            f"expected 'and', 'or' or the end of the condition, found {_describe(tok)}"
        )

    def or_expr(self) -> Condition:
        first = self.tok
        operands = [self.and_expr()]
        while self.is_word("or"):
            self.advance()
            operands.append(self.and_expr())
        return (
            operands[0]
            if len(operands) == 1
            else Or(tuple(operands), line=first.line, col=first.col)
        )

    def and_expr(self) -> Condition:
        first = self.tok
        operands = [self.not_expr()]
        while self.is_word("and"):
            self.advance()
            operands.append(self.not_expr())
        return (
            operands[0]
            if len(operands) == 1
            else And(tuple(operands), line=first.line, col=first.col)
        )

    def not_expr(self) -> Condition:
        if self.is_word("not"):
            tok = self.advance()
            self.enter(tok)
            try:
                operand = self.not_expr()
            finally:
                self.depth -= 1
            return Not(operand, line=tok.line, col=tok.col)
        return self.primary()

    def enter(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail("the condition is nested too deeply", tok)

    def primary(self) -> Condition:
        tok = self.tok
        if tok.kind == "(":
            calculation = self.try_calculation()
            if calculation is not None:
                return calculation
            self.advance()
            self.enter(tok)
            try:
                if self.tok.kind == ")":
                    raise self.fail("empty parentheses: put a condition between '(' and ')'")
                node = self.or_expr()
            finally:
                self.depth -= 1
            if self.tok.kind != ")":
                if self.tok.kind == "end":
                    raise self.fail("unclosed '(': add a ')'", tok)
                raise self.fail(
                    f"expected ')' to close the '(' at column {tok.col}, found {_describe(self.tok)}"
                )
            self.advance()
            return node
        if tok.kind == "end":
            raise self.fail("expected a condition at the end")
        if tok.kind in ("number", "param") and self.peek().kind == "arith":
            # `12 * monthly_volume >= $floor`: a calculation may start with a constant
            left = self.sum(answers=True)
            if not any(isinstance(n, Field | Count | CountIn) for n in _operands(left)):
                raise self.fail(
                    "the left side of a comparison must read an answer (a calculation of "
                    "numbers alone is always true or always false)",
                    tok,
                )
            return self.predicate(left, tok)
        if tok.kind == "param":
            raise self.fail(
                f"a condition starts with an answer id, not a parameter: write "
                f"'answer_id >= {tok.text}'"
            )
        if tok.kind != "word":
            raise self.fail(f"expected an answer id, found {_describe(tok)}")
        if tok.text in ("answered", "unanswered") and self.peek().kind == "(":
            self.advance()
            self.advance()
            name_tok = self.expect_id(f"inside '{tok.text}(...)'")
            self.expect(")", f"to close '{tok.text}('")
            return Answered(name_tok.text, tok.text == "unanswered", line=tok.line, col=tok.col)
        subject = self.sum(answers=True)
        return self.predicate(subject, tok)

    def try_calculation(self) -> Condition | None:
        """`(a + b) > 3`: a comparison whose left side starts with '('. None (and nothing
        consumed) when the parenthesis holds a condition instead: `(a > 3 or b)`."""
        start = self.pos
        tok = self.tok
        try:
            left = self.sum(answers=True)
            if self.tok.kind == "op" or self.is_word("between"):
                return self.predicate(left, tok)
        except ConditionSyntaxError:
            pass
        self.pos = start
        return None

    # -- calculations ----------------------------------------------------------------------
    def sum(self, answers: bool) -> Expr:
        """`a + b - c`: terms joined by + and -. With `answers`, answer ids and count()
        may appear (the left side of a comparison); without, only numbers, $parameters
        and calculations of them (the right side)."""
        left = self.product(answers)
        while self.tok.kind == "arith" and self.tok.text in "+-":
            op = self.advance()
            right = self.product(answers)
            left = Arith(op.text, left, right, line=left.line, col=left.col)
        return left

    def product(self, answers: bool) -> Expr:
        left = self.operand(answers)
        while self.tok.kind == "arith" and self.tok.text in "*/":
            op = self.advance()
            right = self.operand(answers)
            left = Arith(op.text, left, right, line=left.line, col=left.col)
        return left

    def operand(self, answers: bool) -> Expr:
        tok = self.tok
        if tok.kind == "number":
            self.advance()
            assert tok.value is not None
            return Literal(tok.value, line=tok.line, col=tok.col)
        if tok.kind == "param":
            self.advance()
            return ParamRef(str(tok.value), line=tok.line, col=tok.col)
        if tok.kind == "(":
            self.advance()
            self.enter(tok)
            try:
                inner = self.sum(answers)
            finally:
                self.depth -= 1
            if self.tok.kind != ")":
                if self.tok.kind == "end":
                    raise self.fail("unclosed '(': add a ')'", tok)
                raise self.fail(
                    f"expected ')' to close the '(' at column {tok.col}, found {_describe(self.tok)}"
                )
            self.advance()
            return inner
        if tok.kind == "arith" and tok.text == "-":
            raise self.fail("a calculation cannot start with '-': write '0 - x'")
        if tok.kind == "word":
            if not answers and (tok.text not in KEYWORDS or tok.text == "count"):
                what = "count(...)" if tok.text == "count" else f"the answer '{tok.text}'"
                raise self.fail(
                    f"only numbers and $parameters can follow the comparison, not {what}: "
                    "put answers on the left (e.g. 'a - b > 0')"
                )
            return self.subject()
        if tok.kind == "end":
            raise self.fail("expected a number, an answer id or a $parameter at the end")
        raise self.fail(f"expected a number, an answer id or a $parameter, found {_describe(tok)}")

    def subject(self) -> Field | Count | CountIn:
        tok = self.tok
        if self.is_word("count") and self.peek().kind == "(":
            self.advance()
            self.advance()
            name_tok = self.expect_id("inside 'count(...)'")
            if self.is_word("in"):
                self.advance()
                values = self.values("after 'in' inside 'count(...)'")
                self.expect(")", "to close 'count('")
                return CountIn(name_tok.text, values, line=tok.line, col=tok.col)
            self.expect(")", "to close 'count('")
            return Count(name_tok.text, line=tok.line, col=tok.col)
        name_tok = self.expect_id("")
        return Field(name_tok.text, line=name_tok.line, col=name_tok.col)

    def right_side(self, op: Token) -> Expr:
        """What follows a comparison operator: a single value (a word, text, true/false)
        or a number, $parameter or calculation of them."""
        tok = self.tok
        if tok.kind in ("[", "@"):
            hint = "in" if op.text == "==" else "not in" if op.text == "!=" else None
            advice = f"; use '{hint}' to compare with a list" if hint else ""
            raise self.fail(f"'{op.text}' compares with a single value{advice}")
        if tok.kind in ("string", "word") and not (
            tok.kind == "word" and tok.text == "count" and self.peek().kind == "("
        ):
            if self.peek().kind == "arith":
                return self.sum(answers=False)
            return self.value(f"after '{op.text}'")
        if tok.kind not in ("number", "param", "(") and not self.is_word("count"):
            return self.value(f"after '{op.text}'")
        return self.sum(answers=False)

    def predicate(self, subject: Expr, start: Token) -> Condition:
        tok = self.tok
        pos = {"line": start.line, "col": start.col}
        if tok.kind == "op":
            self.advance()
            right = self.right_side(tok)
            if isinstance(subject, Field | Count) and type(right) is Literal:
                return Compare(subject, tok.text, right, **pos)
            return Calc(subject, tok.text, right, **pos)
        if self.is_word("between"):
            self.advance()
            low = self.sum(answers=False)
            if not self.is_word("and"):
                raise self.fail(
                    f"expected 'and' between the two numbers of 'between', found {_describe(self.tok)}"
                )
            self.advance()
            high = self.sum(answers=False)
            return And(
                (self.bound(subject, ">=", low, pos), self.bound(subject, "<=", high, pos)),
                **pos,
            )
        if not isinstance(subject, Field | Count):
            if isinstance(subject, Literal | ParamRef):
                raise self.fail(
                    "a condition starts with an answer id: put the answer on the left",
                    start,
                )
            raise self.fail(
                f"expected a comparison such as '>= 10' after '{subject}', found {_describe(tok)}"
            )
        if self.is_word("in"):
            self.advance()
            return In(subject, self.values("after 'in'"), False, **pos)
        if self.is_word("not") and self.is_word("in", self.peek()):
            self.advance()
            self.advance()
            return In(subject, self.values("after 'not in'"), True, **pos)
        if tok.kind == "word" and tok.text in _CONTAINS_MODES:
            self.advance()
            if tok.text == "contains":
                if self.tok.kind in ("[", "@"):
                    raise self.fail(
                        "'contains' takes one value; use 'contains_any', 'contains_all' or "
                        "'contains_none' with a list"
                    )
                return Contains(subject, "one", self.value("after 'contains'"), **pos)
            return Contains(
                subject, _CONTAINS_MODES[tok.text], self.values(f"after '{tok.text}'"), **pos
            )
        if self.is_word("is") and isinstance(subject, Field):
            self.advance()
            if self.tok.kind == "word" and self.tok.text in ("answered", "unanswered"):
                word = self.advance()
                return Answered(subject.name, word.text == "unanswered", **pos)
            raise self.fail("expected 'answered' or 'unanswered' after 'is'")
        ends = tok.kind in (")", "end") or self.is_word("and") or self.is_word("or")
        if ends and isinstance(subject, Field):
            return Truthy(subject.name, **pos)
        if isinstance(subject, Count):
            raise self.fail(f"expected a comparison after 'count({subject.name})', like '> 1'")
        if tok.kind == "word" and tok.text.lower() in KEYWORDS and tok.text not in KEYWORDS:
            raise self.fail(f"keywords are lower case: write '{tok.text.lower()}'")
        if tok.kind == "word" and tok.text not in KEYWORDS:
            close = difflib.get_close_matches(
                tok.text, [*_CONTAINS_MODES, "in", "is", "between"], n=1
            )
            if close:
                raise self.fail(f"unknown word '{tok.text}', did you mean '{close[0]}'?")
        raise self.fail(
            f"expected an operator such as '==' after '{subject}', found {_describe(tok)}"
        )

    @staticmethod
    def bound(subject: Expr, op: str, value: Expr, pos: dict[str, int]) -> Condition:
        """One half of `x between a and b`."""
        if isinstance(subject, Field | Count) and type(value) is Literal:
            return Compare(subject, op, value, **pos)
        return Calc(subject, op, value, **pos)

    def expect(self, kind: str, why: str) -> Token:
        if self.tok.kind != kind:
            raise self.fail(f"expected '{kind}' {why}, found {_describe(self.tok)}")
        return self.advance()

    def expect_id(self, where: str) -> Token:
        tok = self.tok
        suffix = f" {where}" if where else ""
        if tok.kind != "word":
            raise self.fail(f"expected an answer id{suffix}, found {_describe(tok)}")
        if tok.text in KEYWORDS:
            raise self.fail(f"expected an answer id{suffix}, found the keyword '{tok.text}'")
        if not ID_RE.match(tok.text):
            raise self.fail(
                f"'{tok.text}' is not a valid answer id: use lower-case letters, digits and _"
            )
        return self.advance()

    def value(self, where: str) -> Literal:
        tok = self.tok
        if tok.kind in ("number", "string"):
            self.advance()
            assert tok.value is not None
            return Literal(tok.value, line=tok.line, col=tok.col)
        if tok.kind == "word":
            if tok.text in ("true", "false"):
                self.advance()
                return Literal(tok.text == "true", line=tok.line, col=tok.col)
            if tok.text in KEYWORDS:
                raise self.fail(
                    f"expected a value {where}, found the keyword '{tok.text}' "
                    "(put it in quotes if you mean the word)"
                )
            self.advance()
            return Literal(tok.text, line=tok.line, col=tok.col)
        raise self.fail(f"expected a value {where}")

    def values(self, where: str) -> ListLiteral | SetRef:
        tok = self.tok
        if tok.kind == "@":
            self.advance()
            name = self.tok
            if (
                name.kind != "word"
                or not _SET_NAME_RE.fullmatch(name.text)
                or name.col != tok.col + 1
                or name.line != tok.line
            ):
                raise self.fail("expected a set name right after '@', like @eea", tok)
            self.advance()
            return SetRef(name.text, line=tok.line, col=tok.col)
        if tok.kind != "[":
            raise self.fail(f"expected a list like [a, b] or a @set {where}")
        self.advance()
        items: list[Literal] = []
        if self.tok.kind == "]":
            self.advance()
            return ListLiteral((), line=tok.line, col=tok.col)
        while True:
            if self.tok.kind == "end":
                raise self.fail("unclosed '[': add a ']'", tok)
            items.append(self.value("in the list"))
            if self.tok.kind == ",":
                self.advance()
                if self.tok.kind == "]":  # trailing comma
                    break
                continue
            if self.tok.kind == "]":
                break
            if self.tok.kind == "end":
                raise self.fail("unclosed '[': add a ']'", tok)
            raise self.fail(f"expected ',' or ']' in the list, found {_describe(self.tok)}")
        self.advance()
        return ListLiteral(tuple(items), line=tok.line, col=tok.col)


def parse(text: str) -> Condition:
    """Parse a condition; raise ConditionSyntaxError(message, line, col) when it is invalid."""
    if not isinstance(text, str):
        raise ConditionSyntaxError("a condition must be text", 1, 1)
    if len(text) > MAX_CONDITION_LENGTH:
        raise ConditionSyntaxError(
            f"the condition is longer than {MAX_CONDITION_LENGTH} characters", 1, 1
        )
    return _parse(text)


@lru_cache(maxsize=8192)
def _parse(text: str) -> Condition:
    """Each distinct condition text parsed once per process (the tree is immutable; a text
    that does not parse raises every time and is not remembered)."""
    return _Parser(tokenize(text)).parse()


def _operands(expr: Expr) -> list[Expr]:
    """Every operand of a calculation, itself included."""
    if isinstance(expr, Arith):
        return [expr, *_operands(expr.left), *_operands(expr.right)]
    return [expr]


def parse_expression(text: str) -> Expr:
    """Parse a calculation (`annual_volume_usd / 12`) as a computed fact's value; raise
    ConditionSyntaxError(message, line, col) when it is not one."""
    if not isinstance(text, str):
        raise ConditionSyntaxError("a calculation must be text", 1, 1)
    if len(text) > MAX_CONDITION_LENGTH:
        raise ConditionSyntaxError(
            f"the calculation is longer than {MAX_CONDITION_LENGTH} characters", 1, 1
        )
    parser = _Parser(tokenize(text))
    if parser.tok.kind == "end":
        raise parser.fail("the calculation is empty")
    expr = parser.sum(answers=True)
    if parser.tok.kind != "end":
        raise parser.fail(
            f"expected '+', '-', '*', '/' or the end of the calculation, found "
            f"{_describe(parser.tok)}"
        )
    return expr
