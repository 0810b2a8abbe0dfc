"""Reloads API and the reload logs of the apps API.

    POST /api/v1/reloads                          {appId, partial?, variables?, weight?,
                                                  resourceId?, resourceType?} -> 201 Reload
    GET  /api/v1/reloads?appId=&filter=&limit=&log=&next=&prev=&partial=&sort=
                                                  -> 200 {data, links}
    GET  /api/v1/reloads/{reloadId}               -> 200 Reload (with its log) | 404
    POST /api/v1/reloads/{reloadId}/actions/cancel
                                                  -> 204 (was QUEUED: canceled at once),
                                                  202 {status: CANCELING} (was RELOADING),
                                                  409 (ended) | 404
    GET  /api/v1/apps/{appId}/reloads/logs        -> 200 {data: [ScriptLogMeta]}
    GET  /api/v1/apps/{appId}/reloads/logs/{reloadId}
                                                  -> 200 application/octet-stream, the
                                                  detailed script log of an ended reload

Contract: reloads.json, apps.json (reloads/logs), @qlik/api reloads.d.ts, qlik.dev's
changelog on the list's `log` parameter (default false: the list leaves `log` out unless
log=true). Errors in the reloads style: errors[] of {code, title, detail}, no status, no
traceId; codes RELOADS-xxx (the spec names RELOADS-003 forbidden and RELOADS-013 quota).

State: tenant.extra["reloads"] = {id: {id, appId, tenantId, userId, type, partial,
variables, weight, creationTime, queuedFor, reloadFor, outcome (SUCCEEDED | FAILED),
errorCode, errorMessage, failLog, canceledAt, cancelRequestedAt}}. Nothing runs in the
background: the status is worked out from the fake's clock whenever a reload is read.
A reload is QUEUED for config reload_queue_ms (default 200), then RELOADING for config
reload_ms (default 500), then SUCCEEDED or FAILED. A cancel of a QUEUED reload ends it at
once (CANCELED, 204); of a RELOADING one makes it CANCELING (202) for reload_cancel_ms
(default 100), then CANCELED.

Control (see control.py): POST /reloads/failures {"appId", "count"? (1), "errorCode"?,
"errorMessage"?, "log"?, "host"?} makes the next `count` reloads of that app FAIL with that
reason; GET /reloads/failures lists what is pending; DELETE clears them.

Choices where the documents are silent (the fake's):
- Ids are 24 hex digits (Qlik's examples are ObjectIds). type is "external" for reloads
  made through this API (the Type enum's "reload triggered via external API request").
- The app must exist: an unknown appId is a 404 RELOADS-004 "App not found" (the spec lists
  no 404 for POST; Qlik answers one, as for GET and cancel). A caller that may not read
  the app would get RELOADS-003; the fake lets any user of the tenant reload any app.
- Request body checks, each a 400 RELOADS-001 with source.pointer: appId a non-empty
  string; variables an object of at most 20 fields, each name and value a string of at most
  256 characters; weight an integer 1..10; resourceType one of the enum; no unknown fields.
- A second POST while a reload of the same app is still QUEUED is a 429 RELOADS-007
  ("a pending reload request already exists for this app", as the spec says), with
  retry-after 1.
- The list: appId required (400 RELOADS-001) unless the caller is a TenantAdmin (all the
  tenant's reloads); an appId of no app gives an empty list. filter: SCIM `eq` on status,
  partial and type, joined by and/or, with parentheses; anything else is a 400. sort
  default -creationTime, limit 1..100 (default 10), cursors as the other lists.
- The summary log (`log` of a Reload) is a few lines as in Qlik's examples; the detailed
  log (octet-stream) repeats the variables given and, for a failed reload, Qlik's "The
  following error occurred:" line with the reason. A log of a reload that has not ended is
  a 404.
"""
import re

from .. import perms, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response
from ..state import DUMP_HOOKS, RESET_HOOKS, TENANT_INIT_HOOKS, SeedError, add_config
from . import apps as apps_mod

SERVICE = "reloads"
ACTIVE = ("QUEUED", "RELOADING", "CANCELING")
ENDED = ("SUCCEEDED", "FAILED", "CANCELED", "EXCEEDED_LIMIT")
TYPES = ("hub", "external", "chronos", "automations", "data-refresh", "choreographer")
RESOURCE_TYPES = ("api", "reload-tasks", "tasks", "automate")
CODES = {k: ("RELOADS-001", "Bad Request") for k in
         (validate.PARSE, validate.REQUIRED, validate.UNKNOWN, validate.TYPE, validate.VALUE)}

# appId -> [ {errorCode, errorMessage, log, host} ... ] (one entry per reload to fail)
FAILURES = {}


def _ms(name):
    def check(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise SeedError("%s must be a number of milliseconds >= 0" % name)
        return v
    return check


add_config("reload_queue_ms", 200, _ms("reload_queue_ms"))
add_config("reload_ms", 500, _ms("reload_ms"))
add_config("reload_cancel_ms", 100, _ms("reload_cancel_ms"))
RESET_HOOKS.append(lambda state: FAILURES.clear())

VARIABLES = {"type": "object", "maxProperties": 20,
             "additionalProperties": {"type": "string", "maxLength": 256},
             "check": lambda v: next(("variable name %r is longer than 256 characters" % k[:40]
                                      for k in v if len(k) > 256), None)}
CREATE_SCHEMA = {
    "type": "object", "required": ["appId"],
    "properties": {"appId": {"type": "string", "minLength": 1},
                   "partial": {"type": "boolean"},
                   "variables": VARIABLES,
                   "weight": {"type": "integer", "minimum": 1, "maximum": 10},
                   "resourceId": {"type": "string"},
                   "resourceType": {"type": "string", "enum": list(RESOURCE_TYPES)}},
    "additionalProperties": False,
}


def err(status, code, title, detail=None, **kw):
    return QlikError(status, code, title, detail, service=SERVICE, **kw)


def reloads_of(tenant):
    return tenant.extra.setdefault("reloads", {})


def _init(state, tenant):
    tenant.extra["reloads"] = {}


TENANT_INIT_HOOKS.append(_init)


# ---- the clock decides the status ------------------------------------------------------------

def status_of(r, now=None):
    now = util.now() if now is None else now
    if r.get("canceledAt") is not None and now >= r["canceledAt"]:
        return "CANCELED"
    if r.get("cancelRequestedAt") is not None:
        return "CANCELING"
    if now < r["queuedUntil"]:
        return "QUEUED"
    if now < r["endsAt"]:
        return "RELOADING"
    return r["outcome"]


def _times(r, st):
    """startTime, endTime as Qlik gives them for the status."""
    start = r["queuedUntil"] if st not in ("QUEUED",) and not (
        st == "CANCELED" and r["canceledAt"] <= r["queuedUntil"]) else None
    end = None
    if st in ("SUCCEEDED", "FAILED"):
        end = r["endsAt"]
    elif st == "CANCELED":
        end = r["canceledAt"]
    return start, end


def summary_log(r, st):
    lines = ["ReloadID: %s" % r["id"]]
    if st == "QUEUED":
        return "\n".join(lines) + "\n"
    lines.append("Started loading data")
    lines.append("(A detailed script progress log can be downloaded when the reload is finished)")
    if st == "SUCCEEDED":
        lines += ["App saved", "Finished successfully"]
    elif st == "FAILED":
        lines += [r["failLog"] or "The following error occurred:\n%s" % r["errorMessage"],
                  "Reload failed"]
    elif st in ("CANCELING", "CANCELED"):
        lines.append("Reload was aborted")
    return "\n".join(lines) + "\n"


def detailed_log(r, st):
    start, end = _times(r, st)
    lines = ["%s Execution started." % util.iso(start or r["creationTime"]),
             "%s Qlik Sense Server Version (qlikfake)" % util.iso(start or r["creationTime"]),
             "%s ReloadID: %s" % (util.iso(start or r["creationTime"]), r["id"])]
    for k in sorted(r["variables"]):
        lines.append("%s SET %s='%s'" % (util.iso(start or r["creationTime"]), k, r["variables"][k]))
    if st == "SUCCEEDED":
        lines += ["%s Execution finished." % util.iso(end), "%s App saved" % util.iso(end)]
    elif st == "FAILED":
        lines += ["%s The following error occurred:" % util.iso(end),
                  "%s %s" % (util.iso(end), r["errorMessage"])]
        if r["failLog"]:
            lines += ["%s %s" % (util.iso(end), x) for x in r["failLog"].splitlines()]
        lines.append("%s Execution Failed" % util.iso(end))
    else:
        lines.append("%s Execution aborted" % util.iso(end or util.now()))
    return "\n".join(lines) + "\n"


def render(ctx, r, with_log=True):
    now = util.now()
    st = status_of(r, now)
    start, end = _times(r, st)
    d = {"id": r["id"], "appId": r["appId"], "tenantId": r["tenantId"], "userId": r["userId"],
         "type": r["type"], "status": st, "partial": r["partial"], "weight": r["weight"],
         "creationTime": util.iso(r["creationTime"]),
         "links": {"self": {"href": "%s/api/v1/reloads/%s" % (ctx.base, r["id"])}}}
    if r.get("resourceType"):
        d["resourceType"] = r["resourceType"]
    if r.get("resourceId"):
        d["resourceId"] = r["resourceId"]
    if start is not None:
        d["startTime"] = util.iso(start)
    if end is not None:
        d["endTime"] = util.iso(end)
    if st == "SUCCEEDED":
        d["engineTime"] = util.iso(r["endsAt"] - 0.001)
    if st == "FAILED":
        d["errorCode"] = r["errorCode"]
        d["errorMessage"] = r["errorMessage"]
    if with_log:
        d["log"] = summary_log(r, st)
    return d


def _settle_app(tenant, r):
    """A succeeded reload sets its app's lastReloadTime (once)."""
    if r.get("settled") or status_of(r) != "SUCCEEDED":
        return
    r["settled"] = True
    app = apps_mod.apps_of(tenant).get(r["appId"])
    if app is not None:
        app["lastReloadTime"] = r["endsAt"]


def _reload(ctx, rid):
    r = reloads_of(ctx.tenant).get(rid)
    if r is None:
        raise err(404, "RELOADS-002", "Not Found", "reload %s not found" % rid)
    _settle_app(ctx.tenant, r)
    return r


# ---- POST /api/v1/reloads -------------------------------------------------------------------

@route("POST", "/api/v1/reloads", service=SERVICE)
def create(ctx):
    body = validate.read_json(ctx, CREATE_SCHEMA, SERVICE, CODES)
    app_id = body["appId"]
    if app_id not in apps_mod.apps_of(ctx.tenant):
        raise err(404, "RELOADS-004", "App not found", "app %s not found" % app_id,
                  source={"pointer": "/appId"})
    mine = reloads_of(ctx.tenant)
    now = util.now()
    if any(r["appId"] == app_id and status_of(r, now) == "QUEUED" for r in mine.values()):
        raise err(429, "RELOADS-007", "Too Many Requests",
                  "a pending reload request already exists for this app",
                  headers=[("retry-after", "1")])
    cfg = ctx.state.config
    queued_until = now + cfg["reload_queue_ms"] / 1000.0
    r = {"id": util.object_id(now), "appId": app_id, "tenantId": ctx.tenant.id,
         "userId": perms.caller_id(ctx), "type": "external",
         "partial": bool(body.get("partial", False)),
         "variables": dict(body.get("variables", {})), "weight": body.get("weight", 1),
         "resourceType": body.get("resourceType"), "resourceId": body.get("resourceId"),
         "creationTime": now, "queuedUntil": queued_until,
         "endsAt": queued_until + cfg["reload_ms"] / 1000.0,
         "outcome": "SUCCEEDED", "errorCode": None, "errorMessage": None, "failLog": None,
         "canceledAt": None, "cancelRequestedAt": None}
    pending = FAILURES.get(app_id) or []
    for i, f in enumerate(pending):
        if not f.get("host") or f["host"].lower() in [h.lower() for h in ctx.tenant.hostnames]:
            pending.pop(i)
            r.update({"outcome": "FAILED", "errorCode": f["errorCode"],
                      "errorMessage": f["errorMessage"], "failLog": f.get("log")})
            break
    mine[r["id"]] = r
    return json_response(render(ctx, r), 201)


# ---- GET /api/v1/reloads ---------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|[A-Za-z_]+)')


def _parse_filter(text):
    """SCIM: attr eq "value" joined by and/or, parentheses. Returns a predicate on a rendered
    reload, or raises ValueError."""
    toks = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError("cannot read the filter at %r" % text[pos:pos + 20])
        toks.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    i = [0]

    def peek():
        return toks[i[0]] if i[0] < len(toks) else None

    def take():
        t = peek()
        if t is None:
            raise ValueError("the filter ends too soon")
        i[0] += 1
        return t

    def primary():
        t = take()
        if t == "(":
            p = disj()
            if take() != ")":
                raise ValueError("missing )")
            return p
        attr = t
        if attr not in ("status", "partial", "type"):
            raise ValueError("unsupported attribute %r (status, partial, type)" % attr)
        if take().lower() != "eq":
            raise ValueError("only the eq operator is supported")
        v = take()
        if not v.startswith('"'):
            raise ValueError("the value must be a quoted string")
        v = v[1:-1]
        if attr == "partial":
            if v not in ("true", "false"):
                raise ValueError("partial is true or false")
            want = v == "true"
            return lambda d: d["partial"] == want
        return lambda d: d.get(attr) == v

    def conj():
        p = primary()
        while peek() is not None and peek().lower() == "and":
            take()
            q = primary()
            p = (lambda a, b: lambda d: a(d) and b(d))(p, q)
        return p

    def disj():
        p = conj()
        while peek() is not None and peek().lower() == "or":
            take()
            q = conj()
            p = (lambda a, b: lambda d: a(d) or b(d))(p, q)
        return p

    pred = disj()
    if peek() is not None:
        raise ValueError("unexpected %r" % peek())
    return pred


SORTS = ("creationTime", "status", "startTime", "endTime")


@route("GET", "/api/v1/reloads", service=SERVICE)
def list_reloads(ctx):
    app_id = validate.q_str(ctx, "appId", SERVICE)
    if not app_id and "TenantAdmin" not in perms.roles_of(ctx):
        raise err(400, "RELOADS-001", "Bad Request", "appId is required",
                  source={"parameter": "appId"})
    limit = validate.q_int(ctx, "limit", 10, 1, 100, SERVICE)
    with_log = validate.q_bool(ctx, "log", False, SERVICE)
    partial = validate.q_bool(ctx, "partial", None, SERVICE)
    field, desc = validate.q_sort(ctx, SORTS, "-creationTime", SERVICE)
    flt = validate.q_str(ctx, "filter", SERVICE)
    pred = None
    if flt:
        try:
            pred = _parse_filter(flt)
        except ValueError as e:
            raise err(400, "RELOADS-001", "Bad Request", "invalid filter: %s" % e,
                      source={"parameter": "filter"})
    rows = []
    for r in reloads_of(ctx.tenant).values():
        if app_id and r["appId"] != app_id:
            continue
        _settle_app(ctx.tenant, r)
        d = render(ctx, r, with_log)
        if partial is not None and d["partial"] != partial:
            continue
        if pred is not None and not pred(d):
            continue
        rows.append((r, d))

    def key(rd):
        r, d = rd
        v = d.get(field) or ""
        return (v, r["id"])

    chosen, links = _page(ctx, rows, key, field, desc, limit)
    return json_response({"data": [d for _r, d in chosen], "links": links})


def _page(ctx, rows, key, field, desc, limit):
    from .. import paging
    return paging.page(ctx, rows, key, ("-" if desc else "+") + field, desc, limit)


@route("GET", "/api/v1/reloads/{reloadId}", service=SERVICE)
def get_reload(ctx):
    return json_response(render(ctx, _reload(ctx, ctx.params["reloadId"])))


@route("POST", "/api/v1/reloads/{reloadId}/actions/cancel", service=SERVICE)
def cancel(ctx):
    r = _reload(ctx, ctx.params["reloadId"])
    now = util.now()
    st = status_of(r, now)
    if st == "QUEUED":
        r["canceledAt"] = now
        r["cancelRequestedAt"] = now
        return Response(204)
    if st == "RELOADING":
        r["cancelRequestedAt"] = now
        r["canceledAt"] = now + ctx.state.config["reload_cancel_ms"] / 1000.0
        return json_response({"status": "CANCELING"}, 202)
    if st == "CANCELING":
        return json_response({"status": "CANCELING"}, 202)
    raise err(409, "RELOADS-009", "Conflict",
              "reload %s is not in a cancellable state (%s)" % (r["id"], st))


# ---- the apps API's reload logs --------------------------------------------------------------

@route("GET", "/api/v1/apps/{appId}/reloads/logs", service="apps")
def list_logs(ctx):
    app = apps_mod.get_app(ctx, ctx.params["appId"])
    now = util.now()
    data = []
    for r in sorted(reloads_of(ctx.tenant).values(), key=lambda r: r["creationTime"]):
        st = status_of(r, now)
        if r["appId"] != app["id"] or st not in ENDED:
            continue
        start, end = _times(r, st)
        data.append({"reloadId": r["id"], "endTime": util.iso(end),
                     "success": st == "SUCCEEDED",
                     "duration": int(round((end - (start or end)) * 1000)),
                     "links": {"url": {"href": "%s/api/v1/apps/%s/reloads/logs/%s"
                                       % (ctx.base, app["id"], r["id"])}}})
    return json_response({"data": data})


@route("GET", "/api/v1/apps/{appId}/reloads/logs/{reloadId}", service="apps")
def get_log(ctx):
    app = apps_mod.get_app(ctx, ctx.params["appId"])
    r = reloads_of(ctx.tenant).get(ctx.params["reloadId"])
    st = status_of(r) if r is not None else None
    if r is None or r["appId"] != app["id"] or st not in ENDED:
        raise apps_mod.err(404, "Not Found", "no script log of reload %s for app %s"
                           % (ctx.params["reloadId"], app["id"]))
    # Qlik's apps spec: the log is application/octet-stream (UTF-8 text).
    return Response(200, detailed_log(r, st).encode("utf-8"), "application/octet-stream")


# ---- control: make the next reloads of an app fail -------------------------------------------

def control_failures(method, body):
    if method == "GET":
        return {"failures": {k: list(v) for k, v in FAILURES.items() if v}}
    if method == "DELETE":
        n = sum(len(v) for v in FAILURES.values())
        FAILURES.clear()
        return {"cleared": n}
    if not isinstance(body, dict) or not isinstance(body.get("appId"), str):
        raise SeedError('need {"appId", "count"?, "errorCode"?, "errorMessage"?, "log"?, "host"?}')
    bad = set(body) - {"appId", "count", "errorCode", "errorMessage", "log", "host"}
    if bad:
        raise SeedError("unknown key(s) %s" % sorted(bad))
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise SeedError("count must be a positive integer")
    f = {"errorCode": body.get("errorCode", "EngineReloadError"),
         "errorMessage": body.get("errorMessage",
                                  "failed to complete reload: script error"),
         "log": body.get("log"), "host": body.get("host")}
    for k in ("errorCode", "errorMessage", "log", "host"):
        if f[k] is not None and not isinstance(f[k], str):
            raise SeedError("%s must be a string" % k)
    FAILURES.setdefault(body["appId"], []).extend(dict(f) for _ in range(count))
    return {"appId": body["appId"], "pending": len(FAILURES[body["appId"]])}


def _dump(state, tenant):
    now = util.now()
    return [{"id": r["id"], "appId": r["appId"], "status": status_of(r, now),
             "partial": r["partial"], "variables": dict(r["variables"]),
             "creationTime": util.iso(r["creationTime"])}
            for r in reloads_of(tenant).values()]


DUMP_HOOKS["reloads"] = _dump
