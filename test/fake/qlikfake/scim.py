"""A small SCIM filter (RFC 7644 3.4.2.2) parser and evaluator.

Grammar: expr := term ("or" term)* ; term := factor ("and" factor)* ;
factor := "not"? "(" expr ")" | attr "pr" | attr op value ; op := eq ne co sw ew gt ge lt le.
Values are JSON-style: "quoted strings" (with \\" escapes), numbers, true, false, null.
Operators and keywords are case-insensitive; Qlik also compares values case-insensitively
("All conditional statements within this query parameter are case insensitive").

Each resource says which attributes accept which operators; anything else is a ScimError,
which the resource turns into a 400.
"""
import json
import re


class ScimError(ValueError):
    pass


_TOKEN = re.compile(r'\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_.:$-]*)|'
                    r'(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?))')
OPS = {"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"}


def _tokens(text):
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ScimError("unexpected character at %d: %r" % (pos, text[pos:pos + 10]))
        pos = m.end()
        if m.group(1):
            out.append(("(", "("))
        elif m.group(2):
            out.append((")", ")"))
        elif m.group(3):
            try:
                out.append(("value", json.loads(m.group(3))))
            except ValueError:
                raise ScimError("bad string %s" % m.group(3))
        elif m.group(4):
            out.append(("word", m.group(4)))
        else:
            out.append(("value", json.loads(m.group(5))))
    return out


class _Parser:
    def __init__(self, toks, allowed):
        self.toks = toks
        self.i = 0
        self.allowed = {k.lower(): (k, ops) for k, ops in allowed.items()}

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def keyword(self, word):
        kind, val = self.peek()
        if kind == "word" and val.lower() == word:
            self.i += 1
            return True
        return False

    def expr(self):
        node = self.term()
        while self.keyword("or"):
            node = ("or", node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self.keyword("and"):
            node = ("and", node, self.factor())
        return node

    def factor(self):
        if self.keyword("not"):
            if self.peek()[0] != "(":
                raise ScimError("'not' must be followed by '('")
            return ("not", self.factor())
        kind, val = self.take()
        if kind == "(":
            node = self.expr()
            if self.take()[0] != ")":
                raise ScimError("missing ')'")
            return node
        if kind != "word":
            raise ScimError("expected an attribute, got %r" % (val,))
        attr = self.allowed.get(val.lower())
        if attr is None:
            raise ScimError("attribute %r cannot be filtered on" % val)
        okind, op = self.take()
        if okind != "word" or op.lower() not in OPS:
            raise ScimError("expected an operator after %r" % val)
        op = op.lower()
        if op not in attr[1]:
            raise ScimError("operator %r is not supported for %r" % (op, attr[0]))
        if op == "pr":
            return ("cmp", attr[0], op, None)
        vkind, value = self.take()
        if vkind != "value" and not (vkind == "word" and value.lower() in ("true", "false", "null")):
            raise ScimError("expected a value after %s %s" % (attr[0], op))
        if vkind == "word":
            value = {"true": True, "false": False, "null": None}[value.lower()]
        return ("cmp", attr[0], op, value)


def parse(text, allowed):
    """allowed: {attribute name: set of operators}. Returns an AST."""
    if not text or not text.strip():
        raise ScimError("empty filter")
    p = _Parser(_tokens(text), allowed)
    node = p.expr()
    if p.i != len(p.toks):
        raise ScimError("unexpected %r" % (p.toks[p.i][1],))
    return node


def _norm(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return None
    return str(v).lower()


def _compare(op, have, want):
    if op == "pr":
        return have is not None and have != ""
    h, w = _norm(have), _norm(want)
    if h is None:
        return op == "ne" and w is not None or (op == "eq" and w is None)
    if op == "eq":
        return h == w
    if op == "ne":
        return h != w
    if w is None:
        return False
    if op == "co":
        return w in h
    if op == "sw":
        return h.startswith(w)
    if op == "ew":
        return h.endswith(w)
    return {"gt": h > w, "ge": h >= w, "lt": h < w, "le": h <= w}[op]


def evaluate(node, item, getter):
    """getter(item, attr) -> a value or a list of values (multi-valued attributes match
    when any value matches)."""
    kind = node[0]
    if kind == "and":
        return evaluate(node[1], item, getter) and evaluate(node[2], item, getter)
    if kind == "or":
        return evaluate(node[1], item, getter) or evaluate(node[2], item, getter)
    if kind == "not":
        return not evaluate(node[1], item, getter)
    _, attr, op, value = node
    have = getter(item, attr)
    if isinstance(have, list):
        if op == "ne":
            return all(_compare("ne", h, value) for h in have)
        return any(_compare(op, h, value) for h in have)
    return _compare(op, have, value)


def attrs(node):
    """Every attribute named in the AST."""
    if node[0] in ("and", "or"):
        return attrs(node[1]) | attrs(node[2])
    if node[0] == "not":
        return attrs(node[1])
    return {node[1]}
