"""Reload tasks API: a reload schedule per app.

    POST   /api/v1/reload-tasks                  PostTaskBody -> 201 Task
    GET    /api/v1/reload-tasks?appId=&partial=&limit=&next=&prev=
                                                 -> 200 {data, links}
    GET    /api/v1/reload-tasks/{taskId}         -> 200 Task | 404
    PUT    /api/v1/reload-tasks/{taskId}         PutTaskBody -> 200 Task | 404
    DELETE /api/v1/reload-tasks/{taskId}         -> 204 | 404

Contract: reload-tasks.json, @qlik/api reload-tasks.d.ts. Errors: errors[] of {code, title,
detail} and a traceId (the spec's Errors example), no status.

State: tenant.extra["reload_tasks"] = {id: Task fields}.

Choices where the documents are silent (the fake's):
- Ids are 24 hex digits; codes HTTP-<status> (the spec's codes are not listed).
- POST needs appId and timeZone (the spec's required), the app must exist (404 on
  /appId); timeZone an IANA name (Python's zoneinfo) or "" ; recurrence a list of RFC 5545
  RECUR lines, each starting "RRULE:" (DTSTART/DTEND lines are refused, as the spec says);
  startDateTime and endDateTime "YYYY-MM-DDTHH:MM[:SS]", with no UTC offset when a time zone
  is given and one when it is not (the spec's rule), or "" (not set). Unknown fields are a
  400. type (deprecated) is accepted and ignored.
- A new task is Enabled; its spaceId is the app's, migrated true. nextExecutionTime is not
  computed (optional in the spec).
- PUT replaces the fields it names and keeps the others (appId and timeZone included);
  state Disabled sets disabledCode MANUALLY, Enabled clears it.
- The list is in creation order; appId and partial filter it; limit 1..100 (default 10).
"""
import re
import zoneinfo

from .. import paging, perms, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response
from ..state import DUMP_HOOKS, TENANT_INIT_HOOKS
from . import apps as apps_mod

SERVICE = "reload-tasks"
_ZONES = None
_DT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(?P<off>Z|[+-]\d\d:\d\d)?")


def _zone_problem(v):
    global _ZONES
    if v == "":
        return None
    if _ZONES is None:
        _ZONES = zoneinfo.available_timezones()
    return None if v in _ZONES else "timeZone %r is not an IANA time zone name" % v


def _rrule_problem(v):
    if not v.startswith("RRULE:"):
        return "each recurrence line is an RRULE (RFC 5545), not %r" % v[:40]
    if not re.fullmatch(r"RRULE:[A-Z]+=[^;]+(;[A-Z]+=[^;]+)*", v):
        return "malformed recurrence line %r" % v[:80]
    return None


def _dt_problem(v):
    if v == "" or _DT.fullmatch(v):
        return None
    return "%r is not a date-time (YYYY-MM-DDTHH:MM:SS)" % v[:40]


BASE = {
    "appId": {"type": "string", "minLength": 1},
    "partial": {"type": "boolean"},
    "timeZone": {"type": "string", "check": _zone_problem},
    "autoReload": {"type": "boolean"},
    "recurrence": {"type": "array", "items": {"type": "string", "check": _rrule_problem}},
    "endDateTime": {"type": "string", "check": _dt_problem},
    "startDateTime": {"type": "string", "check": _dt_problem},
    "autoReloadPartial": {"type": "boolean"},
}
POST_SCHEMA = {"type": "object", "required": ["appId", "timeZone"],
               "properties": dict(BASE, type={"type": "string", "enum": ["scheduled_reload"]}),
               "additionalProperties": False}
PUT_SCHEMA = {"type": "object",
              "properties": dict(BASE, state={"type": "string",
                                              "enum": ["Enabled", "Disabled", "Completed"]}),
              "additionalProperties": False}


def err(status, title, detail=None, **kw):
    return QlikError(status, "HTTP-%d" % status, title, detail, service=SERVICE, **kw)


def tasks_of(tenant):
    return tenant.extra.setdefault("reload_tasks", {})


TENANT_INIT_HOOKS.append(lambda state, tenant: tenant.extra.__setitem__("reload_tasks", {}))


def render(ctx, t):
    d = {k: v for k, v in t.items() if not k.startswith("_")}
    d["recurrence"] = list(t["recurrence"])
    d["links"] = {"self": {"href": "%s/api/v1/reload-tasks/%s" % (ctx.base, t["id"])}}
    return d


def _offsets_agree(t):
    """With a time zone, no offset in the dates; without one, an offset in each."""
    for k in ("startDateTime", "endDateTime"):
        v = t.get(k) or ""
        if not v:
            continue
        has_off = _DT.fullmatch(v).group("off") is not None
        if t["timeZone"] and has_off:
            raise err(400, "Bad Request", "%s must not carry a UTC offset when timeZone is "
                      "given" % k, source={"pointer": "/" + k})
        if not t["timeZone"] and not has_off:
            raise err(400, "Bad Request", "%s needs a UTC offset (RFC 3339) when no timeZone "
                      "is given" % k, source={"pointer": "/" + k})


def _app(ctx, app_id):
    app = apps_mod.apps_of(ctx.tenant).get(app_id)
    if app is None:
        raise err(404, "Not Found", "app %s not found" % app_id, source={"pointer": "/appId"})
    return app


def _task(ctx):
    t = tasks_of(ctx.tenant).get(ctx.params["taskId"])
    if t is None:
        raise err(404, "Not Found", "reload task %s not found" % ctx.params["taskId"])
    return t


@route("POST", "/api/v1/reload-tasks", service=SERVICE)
def create(ctx):
    body = validate.read_json(ctx, POST_SCHEMA, SERVICE)
    app = _app(ctx, body["appId"])
    t = {"id": util.object_id(), "appId": app["id"], "partial": body.get("partial", False),
         "timeZone": body["timeZone"], "autoReload": body.get("autoReload", False),
         "recurrence": list(body.get("recurrence", [])),
         "endDateTime": body.get("endDateTime", ""),
         "startDateTime": body.get("startDateTime", ""),
         "autoReloadPartial": body.get("autoReloadPartial", False),
         "state": "Enabled", "userId": perms.caller_id(ctx), "spaceId": app["spaceId"] or "",
         "tenantId": ctx.tenant.id, "migrated": True}
    _offsets_agree(t)
    tasks_of(ctx.tenant)[t["id"]] = t
    return json_response(render(ctx, t), 201)


@route("GET", "/api/v1/reload-tasks", service=SERVICE)
def list_tasks(ctx):
    app_id = validate.q_str(ctx, "appId", SERVICE)
    partial = validate.q_bool(ctx, "partial", None, SERVICE)
    limit = validate.q_int(ctx, "limit", 10, 1, 100, SERVICE)
    items = [t for t in tasks_of(ctx.tenant).values()
             if (app_id is None or t["appId"] == app_id)
             and (partial is None or t["partial"] == partial)]
    chosen, links = paging.page(ctx, items, lambda t: (t["id"],), "id", False, limit)
    return json_response({"data": [render(ctx, t) for t in chosen], "links": links})


@route("GET", "/api/v1/reload-tasks/{taskId}", service=SERVICE)
def get_task(ctx):
    return json_response(render(ctx, _task(ctx)))


@route("PUT", "/api/v1/reload-tasks/{taskId}", service=SERVICE)
def put_task(ctx):
    t = _task(ctx)
    body = validate.read_json(ctx, PUT_SCHEMA, SERVICE)
    new = dict(t)
    if "appId" in body and body["appId"] != t["appId"]:
        new["spaceId"] = _app(ctx, body["appId"])["spaceId"] or ""
    new.update(body)
    if "recurrence" in body:
        new["recurrence"] = list(body["recurrence"])
    _offsets_agree(new)
    if body.get("state") == "Disabled":
        new["disabledCode"] = "MANUALLY"
    elif body.get("state") == "Enabled":
        new.pop("disabledCode", None)
    t.clear()
    t.update(new)
    return json_response(render(ctx, t))


@route("DELETE", "/api/v1/reload-tasks/{taskId}", service=SERVICE)
def delete_task(ctx):
    t = _task(ctx)
    del tasks_of(ctx.tenant)[t["id"]]
    return Response(204)


DUMP_HOOKS["reload_tasks"] = lambda state, tenant: [dict(t, recurrence=list(t["recurrence"]))
                                                   for t in tasks_of(tenant).values()]
