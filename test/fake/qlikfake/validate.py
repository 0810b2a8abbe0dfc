"""Request validation against @qlik/api's types (and Qlik's OpenAPI documents).

Schemas are plain Python dicts, a small subset of JSON Schema / OpenAPI 3.0:

    type                 "string" | "boolean" | "integer" | "number" | "array" | "object" | "any",
                         or a list of them; None (JSON null) only with nullable: True
    enum, const
    minLength, maxLength, pattern (re.fullmatch), format ("uri", "date-time", "email")
    maxProperties        (objects: at most this many fields)
    minimum, maximum     (integers: JSON numbers with no fraction; true/false are not numbers)
    items, minItems, maxItems, uniqueItems
    properties, required
    additionalProperties False  -> an unknown field is a 400 (THE DEFAULT when absent)
                         True   -> unknown fields are accepted and kept
                         "ignore" -> accepted and dropped from the returned value
                         a schema -> each unknown field must match it (maps)
    oneOf                [schemas]; with discriminator {"propertyName": "protocol",
                         "mapping": {"jwtAuth": schema, ...}} the field picks the branch
                         (missing or unknown value -> 400 on that field); without one the
                         first branch that validates wins, else a 400 on the value itself
                         listing each branch's complaint
    check                fn(value) -> error message or None (extra rule, run last)

Why unknown fields are rejected by default although almost no schema in Qlik's 12 documents
sets additionalProperties:false (qlik-api.md 0): the fake is there to catch a client that
sends a misspelt or made-up field, which Qlik would silently drop. Each endpoint that must
tolerate extras Qlik's own scripts send (JWT IdP `interactive`, `active`,
`options.jwtLoginEnabled`; tenant create's older `name`/`hostnames`) says so in its schema
with a comment.

validate() raises QlikError(400) on the FIRST violation, in the route's service style, with
source.pointer set to the JSON Pointer of the offending value ("/name", "/options/issuer",
"/0/path"), as Qlik's error schemas of every service except licenses allow. Codes and titles
per kind of violation can be chosen per endpoint (Qlik's codes are endpoint specific, e.g.
WEBINTEGRATIONS-5 for missing fields, -6 for an invalid value); the default is HTTP-400.

Also here: read_json() (body parse + validate), JSON Patch bodies (json_patch) and query
parameters (q_int, q_bool, q_enum, q_str).
"""
import json
import re
import urllib.parse

from .errors import QlikError

# Kinds of violation, each mapped to (code, title) by the caller's `codes`.
PARSE, REQUIRED, UNKNOWN, TYPE, VALUE = "parse", "required", "unknown", "type", "value"
DEFAULT_CODES = {k: ("HTTP-400", "Bad Request") for k in (PARSE, REQUIRED, UNKNOWN, TYPE, VALUE)}

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "any": lambda v: True,
}


class Violation(Exception):
    def __init__(self, kind, pointer, message, meta=None):
        super().__init__(message)
        self.kind = kind
        self.pointer = pointer
        self.message = message
        self.meta = meta


def _ptr(base, key):
    return "%s/%s" % (base, str(key).replace("~", "~0").replace("/", "~1"))


def _tname(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(v), type(v).__name__)


def _is_uri(s):
    u = urllib.parse.urlsplit(s)
    return bool(u.scheme) and bool(u.netloc or u.path) and " " not in s


def _is_datetime(s):
    return re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", s) is not None


def check(value, schema, pointer=""):
    """Returns the value (with "ignore"d fields dropped) or raises Violation."""
    name = pointer or "body"
    if value is None:
        if schema.get("nullable"):
            return None
        if schema.get("type", "any") != "any":
            raise Violation(TYPE, pointer, "%s must not be null" % name)
    types = schema.get("type", "any")
    types = [types] if isinstance(types, str) else list(types)
    if value is not None and not any(_TYPES[t](value) for t in types):
        raise Violation(TYPE, pointer, "%s must be of type %s, got %s"
                        % (name, " or ".join(types), _tname(value)))
    if "oneOf" in schema:
        value = _one_of(value, schema, pointer)
    if "const" in schema and value != schema["const"]:
        raise Violation(VALUE, pointer, "%s must be %s" % (name, json.dumps(schema["const"])))
    if "enum" in schema and value not in schema["enum"]:
        raise Violation(VALUE, pointer, "%s must be one of %s, got %s"
                        % (name, ", ".join(json.dumps(e) for e in schema["enum"]),
                           json.dumps(value)))
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise Violation(VALUE, pointer, "%s must be at least %d characters long"
                            % (name, schema["minLength"]))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise Violation(VALUE, pointer, "%s must be at most %d characters long"
                            % (name, schema["maxLength"]))
        if "pattern" in schema and not re.fullmatch(schema["pattern"], value):
            raise Violation(VALUE, pointer, "%s has an invalid format" % name)
        fmt = schema.get("format")
        if fmt == "uri" and not _is_uri(value):
            raise Violation(VALUE, pointer, "%s must be a URI" % name)
        if fmt == "date-time" and not _is_datetime(value):
            raise Violation(VALUE, pointer, "%s must be an ISO 8601 date-time" % name)
        if fmt == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+", value):
            raise Violation(VALUE, pointer, "%s must be an email address" % name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise Violation(VALUE, pointer, "%s must be >= %s" % (name, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            raise Violation(VALUE, pointer, "%s must be <= %s" % (name, schema["maximum"]))
        if "integer" in types and "number" not in types and isinstance(value, float):
            value = int(value)
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise Violation(VALUE, pointer, "%s must have at least %d item(s)"
                            % (name, schema["minItems"]))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise Violation(VALUE, pointer, "%s must have at most %d item(s)"
                            % (name, schema["maxItems"]))
        if "items" in schema:
            value = [check(v, schema["items"], _ptr(pointer, i)) for i, v in enumerate(value)]
        if schema.get("uniqueItems"):
            seen = []
            for i, v in enumerate(value):
                if v in seen:
                    raise Violation(VALUE, _ptr(pointer, i), "%s has duplicate items" % name)
                seen.append(v)
    if isinstance(value, dict) and ("properties" in schema or "required" in schema
                                    or "additionalProperties" in schema):
        value = _object(value, schema, pointer)
    if "check" in schema:
        msg = schema["check"](value)
        if msg:
            raise Violation(VALUE, pointer, msg)
    return value


def _object(value, schema, pointer):
    props = schema.get("properties", {})
    for req in schema.get("required", []):
        if req not in value:
            raise Violation(REQUIRED, _ptr(pointer, req), "%s is required" % _ptr(pointer, req),
                            meta={"requiredFields": list(schema.get("required", []))})
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        raise Violation(VALUE, pointer, "%s must have at most %d properties, got %d"
                        % (pointer or "body", schema["maxProperties"], len(value)))
    extra = schema.get("additionalProperties", False)
    out = {}
    for k, v in value.items():
        if k in props:
            out[k] = check(v, props[k], _ptr(pointer, k))
        elif extra is False:
            allowed = ", ".join(sorted(props)) or "none"
            raise Violation(UNKNOWN, _ptr(pointer, k), "unknown field %s (allowed: %s)"
                            % (_ptr(pointer, k), allowed))
        elif extra is True:
            out[k] = v
        elif isinstance(extra, dict):
            out[k] = check(v, extra, _ptr(pointer, k))
        # "ignore": dropped
    return out


def _one_of(value, schema, pointer):
    branches = schema["oneOf"]
    disc = schema.get("discriminator")
    if disc:
        field = disc["propertyName"]
        if not isinstance(value, dict):
            raise Violation(TYPE, pointer, "%s must be an object" % (pointer or "body"))
        if field not in value:
            raise Violation(REQUIRED, _ptr(pointer, field), "%s is required"
                            % _ptr(pointer, field))
        branch = disc["mapping"].get(value[field])
        if branch is None:
            raise Violation(VALUE, _ptr(pointer, field), "%s must be one of %s, got %s"
                            % (_ptr(pointer, field),
                               ", ".join(json.dumps(k) for k in disc["mapping"]),
                               json.dumps(value[field])))
        return check(value, branch, pointer)
    errs = []
    for b in branches:
        try:
            return check(value, b, pointer)
        except Violation as e:
            errs.append(e)
    if len(errs) == 1:
        raise errs[0]
    # None fits: say so at this value, with each branch's complaint.
    raise Violation(errs[0].kind if all(e.kind == errs[0].kind for e in errs) else TYPE,
                    pointer, "%s matches none of the allowed forms (%s)"
                    % (pointer or "body", "; ".join(e.message for e in errs)))


def validate(value, schema, service, codes=None, pointer_source=True):
    """check() and turn a violation into Qlik's 400 for `service`. codes: {kind: (code,
    title)} overriding DEFAULT_CODES. Returns the checked value."""
    try:
        return check(value, schema)
    except Violation as v:
        raise to_error(v, service, codes, pointer_source)


def to_error(v, service, codes=None, pointer_source=True):
    code, title = dict(DEFAULT_CODES, **(codes or {}))[v.kind]
    source = {"pointer": v.pointer or "/"} if pointer_source and service != "licenses" else None
    meta = v.meta if v.kind == REQUIRED and code.startswith("WEBINTEGRATIONS") else None
    return QlikError(400, code, title, v.message, service=service, source=source, meta=meta)


def read_json(ctx, schema, service, codes=None, empty=None):
    """Parse the request body as JSON and validate it. An empty body gives `empty` when that
    is not None (for optional bodies), else a 400. The Content-Type is not checked: Qlik's
    operations declare application/json, but its services read the body as JSON whatever the
    header says (Qlik's own Postman collection creates spaces with `Content-Type:
    application/ecmascript` and gets its 201), so the fake is no stricter."""
    codes = dict(DEFAULT_CODES, **(codes or {}))
    if not ctx.body.strip():
        if empty is not None:
            return empty
        code, title = codes[REQUIRED]
        raise QlikError(400, code, title, "request body is required", service=service)
    code, title = codes[PARSE]
    try:
        data = json.loads(ctx.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise QlikError(400, code, title, "Error parsing request body: %s" % e, service=service)
    return validate(data, schema, service, codes)


# ---- JSON Patch -----------------------------------------------------------------------------

def json_patch(ctx, paths, service, codes=None, ops=("replace",), max_ops=None,
               pathless_ops=()):
    """A JSON Patch body (RFC 6902 subset): an array of {op, path, value}.

    paths: list of (regex, value schema or None) tried in order; the regex fullmatches the
    path and its groups are handed back. An entry may be restricted to some ops by giving a
    3-tuple (regex, value schema, allowed ops); the first entry matching both path and op
    applies (so one path can take different values per op). Every op but remove/unset needs
    a value. pathless_ops (e.g. IdP "promote-options") may come without a path (path "").
    Returns [(op, path, match, value)] in order.
    Violations are 400s with source.pointer "/<index>/<field>" of the offending operation,
    except a bad value, whose pointer is the patched path itself (as TENANTS-10's example
    "/hostnames/1" shows)."""
    codes = dict(DEFAULT_CODES, **(codes or {}))
    item = {"type": "object", "required": ["op"],
            "properties": {"op": {"type": "string"}, "path": {"type": "string"},
                           "value": {"type": "any", "nullable": True},
                           # RFC 6902 fields for move/copy; harmless to allow
                           "from": {"type": "string"}}}
    schema = {"type": "array", "items": item, "minItems": 1}
    if max_ops:
        schema["maxItems"] = max_ops
    body = read_json(ctx, schema, service, codes)
    out = []
    for i, o in enumerate(body):
        if o["op"] not in ops:
            raise to_error(Violation(VALUE, "/%d/op" % i, "op must be one of %s, got %s"
                                     % (", ".join(ops), json.dumps(o["op"]))), service, codes)
        if "path" not in o:
            if o["op"] not in pathless_ops:
                raise to_error(Violation(REQUIRED, "/%d/path" % i, "/%d/path is required" % i),
                               service, codes)
            out.append((o["op"], "", None, o.get("value")))
            continue
        matched = None
        for entry in paths:
            m = re.fullmatch(entry[0], o["path"])
            if m is None:
                continue
            matched = matched or entry
            if len(entry) > 2 and o["op"] not in entry[2]:
                continue
            vschema = entry[1]
            value = o.get("value")
            if o["op"] not in ("remove", "unset", "promote-options"):
                if "value" not in o:
                    raise to_error(Violation(REQUIRED, "/%d/value" % i, "value is required"),
                                   service, codes)
                if vschema is not None:
                    try:
                        value = check(value, vschema, o["path"])
                    except Violation as v:
                        raise to_error(v, service, codes)
            out.append((o["op"], o["path"], m, value))
            break
        else:
            if matched is not None:
                raise to_error(Violation(VALUE, "/%d/op" % i, "op %s is not allowed on %s"
                                         % (o["op"], o["path"])), service, codes)
            raise to_error(Violation(VALUE, "/%d/path" % i, "path %s cannot be patched"
                                     % json.dumps(o["path"])), service, codes)
    return out


# ---- query parameters --------------------------------------------------------------------

def _qbad(service, name, detail):
    return QlikError(400, "HTTP-400", "Bad Request", detail, service=service,
                     source={"parameter": name} if service != "licenses" else None)


def _arg(ctx, name, service):
    try:
        return ctx.arg(name)
    except QlikError as e:
        e.service = service
        raise


def q_int(ctx, name, default, lo, hi, service):
    """An integer query parameter in lo..hi (inclusive); "10.0" is taken as 10."""
    raw = _arg(ctx, name, service)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"-?\d+(\.0+)?", raw.strip()):
        raise _qbad(service, name, "%s must be an integer between %d and %d" % (name, lo, hi))
    v = int(float(raw))
    if not lo <= v <= hi:
        raise _qbad(service, name, "%s must be between %d and %d" % (name, lo, hi))
    return v


def q_bool(ctx, name, default, service):
    raw = _arg(ctx, name, service)
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("true", "false"):
        raise _qbad(service, name, "%s must be true or false" % name)
    return raw.lower() == "true"


def q_enum(ctx, name, allowed, default, service):
    raw = _arg(ctx, name, service)
    if raw is None or raw == "":
        return default
    if raw.startswith(" ") and "+" + raw[1:] in allowed:
        # An unencoded "+" decodes to a space (Go's net/url does the same).
        raw = "+" + raw[1:]
    if raw not in allowed:
        raise _qbad(service, name, "%s must be one of %s, got %r"
                    % (name, ", ".join(allowed), raw))
    return raw


def q_str(ctx, name, service, max_length=None, default=None):
    raw = _arg(ctx, name, service)
    if raw is None:
        return default
    if max_length is not None and len(raw) > max_length:
        raise _qbad(service, name, "%s must be at most %d characters" % (name, max_length))
    return raw


def q_sort(ctx, fields, default, service, name="sort"):
    """A sort parameter "[+|-]field" over `fields` -> (field, descending)."""
    raw = _arg(ctx, name, service)
    if raw is None or raw == "":
        raw = default
    if raw.startswith(" "):
        raw = "+" + raw[1:]
    f = raw[1:] if raw[:1] in "+-" else raw
    if f not in fields:
        raise _qbad(service, name, "%s must be one of %s, got %r"
                    % (name, ", ".join("[+-]" + x for x in fields), raw))
    return f, raw.startswith("-")
