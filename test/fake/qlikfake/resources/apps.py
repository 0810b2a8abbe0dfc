"""Apps API: get, create, copy, update, delete, export, import, publish, republish.

Contract: apps.json, @qlik/api apps.d.ts/apps.js, qlik-api.md 3.4 and 4, Qlik's own deploy
scripts (qlik-cloud-examples, curl-bash/tenant_deploy_content.sh). Errors in the apps style
(errors[] without status, no traceId).

    GET    /api/v1/apps/{appId}                 200 NxApp | 404
    GET    /api/v1/apps/privileges              ["can_create_app", "can_import_app", ...]
    POST   /api/v1/apps                         {attributes:{name,spaceId?,description?,...}}
                                                -> 200 NxApp (a small new app)
    PUT    /api/v1/apps/{appId}                 {attributes:{name?,description?}} -> 200 NxApp
    DELETE /api/v1/apps/{appId}                 200, empty body
    POST   /api/v1/apps/{appId}/copy            {attributes:{name?,spaceId?,description?}}
                                                -> 200 NxApp
    POST   /api/v1/apps/{appId}/export[?NoData=true]
                                                201, empty body, Location:
                                                /api/v1/temp-contents/<id>; 403 from a managed
                                                space; 404
    POST   /api/v1/apps/import?spaceId=&name=&fileId=&mode=&NoData=
                                                raw octet-stream body (streamed to disk) or a
                                                temp content -> 200 NxApp (not 201)
    POST   /api/v1/apps/{appId}/publish         {spaceId, attributes?, data?, moveApp?,
                                                originAppId?} -> 200 NxApp of the copy
    PUT    /api/v1/apps/{appId}/publish         {targetId, checkOriginAppId?, attributes?,
                                                data?} -> 200 NxApp of the target

State: tenant.extra["apps"] = {appId: {id, name, description, spaceId (None = personal),
ownerId, createdBy, createdAt, modifiedAt, lastReloadTime, published, publishTime (None or
epoch), originAppId, size, sha256, source (blobs.py), itemId}}. Every app has an item
(items.py). The bytes of an app: a generated stream for seeded/created apps, the file
received for imported ones; size and sha256 are in GET /state so a test can check that a
copy between tenants arrived byte for byte.

Choices where Qlik is silent or unclear (the fake's; each kept simple):
- Error codes are HTTP-<status> with a specific title and detail (Qlik's apps codes are not
  documented); 404s carry a JSON body although the spec declares none.
- Reading an app (GET) works for any user of the tenant (Qlik's own script reads the app
  before assigning its bot to the app's space). Export needs the app's space to be shared or
  personal (403 from managed: qlik-api.md 3.4); with config strict_space_access the caller
  must also own the app or hold a role in its shared space (the S5 script assigns its bot
  first), else 403.
- Import: exactly one of a non-empty body and fileId (400 otherwise; an empty body is what
  qlik-cli issue #19's Content-Length 0 upload led to). An unknown or expired fileId is a 404
  (the spec lists only 404), an unfinished tus upload a 400. mode NEW (default, any case) or
  AUTOREPLACE (the spec calls it internal, but Qlik accepts it and Qlik's deploy scripts use it
  so that a rerun updates the app): the oldest app with the imported app's name in the target
  space (personal: the caller's) keeps its id and item and gets the new bytes; with no such
  app it imports as new. Any other mode is a 400. The target space
  must exist and be visible (404) and be shared (403 for managed/data: apps reach managed
  spaces by publishing); no spaceId = the caller's personal space.
- The imported app's name: ?name=, else the name carried by the file (the fake remembers
  which app each exported byte stream came from, as a real .qvf carries its title), else the
  temp content's filename without extension, else ?fallbackName=, else "Imported app".
- DELETE answers 200 with an empty body (the spec declares an empty application/json).
- Publish: the target must be a managed space (403 otherwise: no publish permission there),
  the caller must be its owner, an admin or a publisher (403), the source must not be in a
  managed space (400); publishing the same source to the same space twice is a 409 (one
  published copy per managed space; republish with PUT). moveApp needs originAppId (400) and
  moves the source itself. The copy gets published true, publishTime now, originAppId = the
  source id, a new id and item; attributes override name/description.
- Republish: `targetId`, or `spaceId` (a managed space: the target is the app published from
  the source there, 404 if none; Qlik's scripts send it). The target must be a published app
  in a managed space (400); with
  checkOriginAppId (default true) its originAppId must be the source id (400 otherwise).
  data "source" (default) replaces the target's bytes with the source's, "target" keeps them.
  The target keeps its id and name (unless attributes say otherwise); its originAppId becomes
  the source id (so a later lookup by originAppId finds it).
- Eventual consistency (qlik-api.md 2.5: publishing right after creating a space can fail for
  a moment; Qlik's scripts sleep 1 s and retry): config publish_settle_ms (default 0 = off)
  makes a publish into a space younger than that many ms fail with publish_settle_status
  (403 default, or 404 / 400 / 409 / 503).
- NoData=true export: the fake has no data model; it exports a smaller deterministic stream
  derived from the app's bytes (1/100 of the size, at least 4 KiB), so a caller can tell the
  two apart and import either.
"""
import re
import uuid

from .. import blobs, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response
from ..state import (DUMP_HOOKS, RESET_HOOKS, TENANT_SEED_HOOKS, SeedError, add_config)
from . import items as items_mod
from . import spaces as spaces_mod
from . import temp_contents as tc_mod

SERVICE = "apps"
NEW_APP_SIZE = 256 * 1024               # bytes of an app made by POST /apps
MAX_SEED_SIZE = 64 * 1024 ** 3

_names = {}                             # sha256 -> the app name the bytes carry (see doc)


def _settle_ms(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
        raise SeedError("publish_settle_ms must be a number of milliseconds >= 0")
    return v


def _settle_status(v):
    if v not in (400, 403, 404, 409, 503):
        raise SeedError("publish_settle_status is one of 400, 403, 404, 409, 503")
    return v


def _strict(v):
    if not isinstance(v, bool):
        raise SeedError("strict_space_access must be a boolean")
    return v


add_config("publish_settle_ms", 0, _settle_ms)
add_config("publish_settle_status", 403, _settle_status)
add_config("strict_space_access", False, _strict)
RESET_HOOKS.append(lambda state: _names.clear())


def err(status, title, detail=None, parameter=None, pointer=None):
    src = {"parameter": parameter} if parameter else ({"pointer": pointer} if pointer else None)
    return QlikError(status, "HTTP-%d" % status, title, detail, service=SERVICE, source=src)


def bad(detail, parameter=None, pointer=None):
    return err(400, "Bad Request", detail, parameter, pointer)


def apps_of(tenant):
    return tenant.extra.setdefault("apps", {})


def get_app(ctx, app_id):
    app = apps_of(ctx.tenant).get(app_id)
    if app is None:
        raise err(404, "Not Found", "app %s not found" % app_id)
    return app


def _caller_id(ctx):
    return ctx.token.user_id or "" if ctx.token else ""


# ---- rendering -------------------------------------------------------------------------------

def attributes(tenant, app):
    owner = tenant.users.get(app["ownerId"], {})
    a = {"id": app["id"], "name": app["name"], "description": app["description"],
         "thumbnail": "", "lastReloadTime": util.iso(app["lastReloadTime"]),
         "createdDate": util.iso(app["createdAt"]), "modifiedDate": util.iso(app["modifiedAt"]),
         "owner": owner.get("subject", ""), "ownerId": app["ownerId"], "dynamicColor": "",
         "published": app["published"],
         "publishTime": util.iso(app["publishTime"]) if app["publishTime"] else "",
         "custom": {}, "hasSectionAccess": False, "encrypted": False,
         "originAppId": app["originAppId"], "isDirectQueryMode": False, "usage": "ANALYTICS",
         "_resourcetype": "app"}
    if app.get("spaceId"):
        # Qlik's deploy script tests `.attributes | has("spaceId")` to tell a personal app.
        a["spaceId"] = app["spaceId"]
    return a


CREATE_PRIVILEGES = [{"resource": r, "canCreate": True}
                     for r in ("sheet", "bookmark", "snapshot", "story", "dimension", "measure",
                               "masterobject", "variable")]


def render(ctx, app):
    return {"attributes": attributes(ctx.tenant, app),
            "privileges": items_mod.app_actions(ctx, app),
            "create": [dict(c) for c in CREATE_PRIVILEGES]}


# ---- model -----------------------------------------------------------------------------------

def new_app(tenant, name, space_id, owner, size, sha256, source, description="", app_id=None,
            ts=None, created_by=None):
    ts = util.now() if ts is None else ts
    app = {"id": app_id or str(uuid.uuid4()), "name": name, "description": description or "",
           "spaceId": space_id or None, "ownerId": owner, "createdBy": created_by or owner,
           "createdAt": ts, "modifiedAt": ts, "lastReloadTime": ts, "published": False,
           "publishTime": None, "originAppId": "", "size": size, "sha256": sha256,
           "source": source}
    apps_of(tenant)[app["id"]] = app
    items_mod.add_app_item(tenant, app, ts)
    return app


def delete_app(tenant, app):
    items_mod.remove_app_item(tenant, app)
    blobs.drop_source(app.get("source"))
    apps_of(tenant).pop(app["id"], None)


def _generated(app_id, size):
    seed = "app:" + app_id
    return blobs.gen_source(seed), blobs.gen_sha256(seed, size)


def _target_space(ctx, space_id, pointer=None, parameter=None, what="import"):
    """A space apps may be created in: visible (404) and shared (403)."""
    s = spaces_mod.get_space(ctx.tenant, space_id)
    if s is None or not spaces_mod.can_see(ctx, s):
        raise err(404, "Not Found", "space %s not found" % space_id, parameter, pointer)
    if s["type"] != "shared":
        raise err(403, "Forbidden", "cannot %s an app into a %s space; apps reach managed "
                  "spaces by publishing" % (what, s["type"]), parameter, pointer)
    return s


def _touch(app):
    app["modifiedAt"] = util.now()


# ---- plain CRUD ------------------------------------------------------------------------------

ATTR_SCHEMA = {"type": "object", "properties": {"name": {"type": "string", "minLength": 1},
                                                "description": {"type": "string"}},
               "additionalProperties": False}
CREATE_SCHEMA = {
    "type": "object",
    "properties": {"attributes": {
        "type": "object",
        "properties": {"name": {"type": "string", "minLength": 1},
                       "description": {"type": "string"},
                       "spaceId": {"type": "string"}, "locale": {"type": "string"},
                       "usage": {"type": "string",
                                 "enum": ["ANALYTICS", "DATA_PREPARATION", "DATAFLOW_PREP",
                                          "SINGLE_TABLE_PREP", "DIRECT_QUERY_MODE"]}},
        "additionalProperties": False}},
    "additionalProperties": False,
}
UPDATE_SCHEMA = {"type": "object", "properties": {"attributes": ATTR_SCHEMA},
                 "additionalProperties": False}


@route("GET", "/api/v1/apps/{appId}", service=SERVICE)
def get_app_route(ctx):
    return json_response(render(ctx, get_app(ctx, ctx.params["appId"])))


@route("GET", "/api/v1/apps/privileges", service=SERVICE)
def app_privileges(ctx):
    """What the caller may do with apps in general. The fake grants every user all three
    (Qlik ties them to roles and license type, not modelled here)."""
    return json_response(["can_create_app", "can_import_app", "can_create_session_app"])


@route("POST", "/api/v1/apps", service=SERVICE)
def create_app(ctx):
    body = validate.read_json(ctx, CREATE_SCHEMA, SERVICE)
    attrs = body.get("attributes", {})
    space_id = attrs.get("spaceId") or None
    if space_id:
        _target_space(ctx, space_id, pointer="/attributes/spaceId", what="create")
    app_id = str(uuid.uuid4())
    source, sha = _generated(app_id, NEW_APP_SIZE)
    uid = _caller_id(ctx)
    app = new_app(ctx.tenant, attrs.get("name", "Untitled"), space_id, uid, NEW_APP_SIZE, sha,
                  source, attrs.get("description", ""), app_id)
    _names[sha] = app["name"]
    return json_response(render(ctx, app))


@route("PUT", "/api/v1/apps/{appId}", service=SERVICE)
def update_app(ctx):
    app = get_app(ctx, ctx.params["appId"])
    body = validate.read_json(ctx, UPDATE_SCHEMA, SERVICE)
    attrs = body.get("attributes", {})
    if "name" in attrs:
        app["name"] = attrs["name"]
    if "description" in attrs:
        app["description"] = attrs["description"]
    _touch(app)
    return json_response(render(ctx, app))


@route("DELETE", "/api/v1/apps/{appId}", service=SERVICE)
def delete_app_route(ctx):
    app = get_app(ctx, ctx.params["appId"])
    delete_app(ctx.tenant, app)
    return Response(200, b"")


@route("POST", "/api/v1/apps/{appId}/copy", service=SERVICE)
def copy_app(ctx):
    src = get_app(ctx, ctx.params["appId"])
    body = validate.read_json(ctx, CREATE_SCHEMA, SERVICE, empty={})
    attrs = body.get("attributes", {})
    space_id = attrs["spaceId"] if "spaceId" in attrs else src.get("spaceId")
    if space_id:
        s = spaces_mod.get_space(ctx.tenant, space_id)
        if s is not None and s["type"] == "managed" and "spaceId" not in attrs:
            space_id = None         # a copy of a published app lands in the personal space
        else:
            _target_space(ctx, space_id, pointer="/attributes/spaceId", what="copy")
    app = new_app(ctx.tenant, attrs.get("name", src["name"]), space_id, _caller_id(ctx),
                  src["size"], src["sha256"], blobs.share_source(src["source"], "app"),
                  attrs.get("description", src["description"]))
    return json_response(render(ctx, app))


# ---- export / import -------------------------------------------------------------------------

def _may_export(ctx, app):
    stype = items_mod.space_type(ctx.tenant, app)
    if stype == "managed":
        raise err(403, "Forbidden", "apps in a managed space cannot be exported; export from a "
                  "shared or personal space")
    if not ctx.state.config.get("strict_space_access"):
        return
    user = ctx.user()
    if user is not None and app["ownerId"] == user["id"]:
        return
    if stype == "personal":
        raise err(403, "Forbidden", "only the owner may export an app of a personal space")
    s = spaces_mod.get_space(ctx.tenant, app["spaceId"])
    if not (s["ownerId"] == (user or {}).get("id") or spaces_mod.space_roles(ctx.tenant, s, user)):
        raise err(403, "Forbidden", "the caller is not a member of space %s (assign it first)"
                  % s["id"])


@route("POST", "/api/v1/apps/{appId}/export", service=SERVICE)
def export_app(ctx):
    app = get_app(ctx, ctx.params["appId"])
    no_data = validate.q_bool(ctx, "NoData", False, SERVICE)
    _may_export(ctx, app)
    if no_data:
        seed = "nodata:" + app["sha256"]
        size = max(4096, app["size"] // 100)
        source, sha = blobs.gen_source(seed), blobs.gen_sha256(seed, size)
    else:
        source, size, sha = blobs.share_source(app["source"], "tc"), app["size"], app["sha256"]
    _names.setdefault(sha, app["name"])
    rec = tc_mod.create(ctx.tenant, app["name"] + ".qvf", source, size, sha,
                        creator=_caller_id(ctx))
    rec["appId"] = app["id"]
    # Always the /api/v1 form: that is what export answers (qlik-api.md 3.4, 4).
    return Response(201, b"", None, [("Location", "/api/v1/temp-contents/" + rec["id"])])


@route("POST", "/api/v1/apps/import", service=SERVICE, stream_body=True)
def import_app(ctx):
    q = lambda name: validate.q_str(ctx, name, SERVICE)     # noqa: E731
    mode = (q("mode") or "NEW").upper()
    if mode not in ("NEW", "AUTOREPLACE"):
        raise bad("mode must be NEW or AUTOREPLACE, got %r" % q("mode"), "mode")
    validate.q_bool(ctx, "NoData", False, SERVICE)
    space_id, name, file_id = q("spaceId") or None, q("name"), q("fileId")
    fallback = q("fallbackName")
    if name is not None and not name.strip():
        raise bad("name must not be empty", "name")
    if space_id:
        _target_space(ctx, space_id, parameter="spaceId")
    up = ctx.upload
    if file_id and up is not None and up.size:
        raise bad("give either a request body or fileId, not both", "fileId")
    if file_id:
        rec, problem = tc_mod.lookup(ctx.tenant, file_id)
        if problem in ("missing", "gone"):
            raise err(404, "Not Found", "temporary content %s %s"
                      % (file_id, "not found" if problem == "missing" else "has expired"),
                      "fileId")
        if problem == "incomplete":
            raise bad("temporary content %s is not completely uploaded" % file_id, "fileId")
        if rec["size"] == 0:
            raise bad("temporary content %s is empty: not an app file" % file_id, "fileId")
        source = blobs.share_source(rec["source"], "app")
        size, sha = rec["size"], rec["sha256"]
        stem = re.sub(r"\.(qvf|qvw)$", "", rec["name"] or "", flags=re.I)
    else:
        if up is None or up.size == 0:
            raise bad("no app file: send the .qvf as the request body or give fileId")
        size, sha, stem = up.size, up.sha256, ""
        source = blobs.file_source(up.take("app"))
    app_name = name or _names.get(sha) or stem or fallback or "Imported app"
    if mode == "AUTOREPLACE":
        old = _replaceable(ctx, app_name, space_id)
        if old is not None:
            blobs.drop_source(old["source"])
            old.update({"source": source, "size": size, "sha256": sha})
            _touch(old)
            return json_response(render(ctx, old))
    app = new_app(ctx.tenant, app_name, space_id, _caller_id(ctx), size, sha, source)
    return json_response(render(ctx, app))


def _replaceable(ctx, name, space_id):
    """The app an AUTOREPLACE import replaces: the oldest app of that name in the target space
    (the caller's personal space when none is given), or None (then it imports as new)."""
    me = _caller_id(ctx)
    same = [a for a in apps_of(ctx.tenant).values()
            if a["name"] == name and a.get("spaceId") == space_id
            and (space_id or a["ownerId"] == me)]
    return min(same, key=lambda a: a["createdAt"]) if same else None


# ---- publish / republish ---------------------------------------------------------------------

PUBLISH_SCHEMA = {
    "type": "object",
    "properties": {"spaceId": {"type": "string", "minLength": 1},
                   "attributes": ATTR_SCHEMA,
                   "data": {"type": "string", "enum": ["source", "target"]},
                   "moveApp": {"type": "boolean"},
                   "originAppId": {"type": "string"}},
    "additionalProperties": False,
}
REPUBLISH_SCHEMA = {
    "type": "object",
    "properties": {"targetId": {"type": "string", "minLength": 1},
                   "spaceId": {"type": "string", "minLength": 1},
                   "checkOriginAppId": {"type": "boolean"},
                   "attributes": ATTR_SCHEMA,
                   "data": {"type": "string", "enum": ["source", "target"]}},
    "additionalProperties": False,
}


def _publish_space(ctx, space_id, pointer):
    s = spaces_mod.get_space(ctx.tenant, space_id)
    if s is None or not spaces_mod.can_see(ctx, s):
        raise err(404, "Not Found", "space %s not found" % space_id, pointer=pointer)
    if s["type"] != "managed":
        raise err(403, "Forbidden", "apps can only be published to a managed space; %s is a %s "
                  "space" % (space_id, s["type"]), pointer=pointer)
    if "publish" not in spaces_mod.actions_for(ctx, s):
        raise err(403, "Forbidden", "the caller may not publish to space %s (needs the "
                  "publisher role)" % space_id, pointer=pointer)
    settle = ctx.state.config.get("publish_settle_ms") or 0
    if settle and (util.now() - s["createdAt"]) * 1000.0 < settle:
        st = ctx.state.config.get("publish_settle_status", 403)
        raise err(st, {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
                       503: "Service Unavailable"}[st],
                  "space %s is not ready for publishing yet (created %d ms ago; config "
                  "publish_settle_ms)" % (space_id, (util.now() - s["createdAt"]) * 1000),
                  pointer=pointer)
    return s


def _source_publishable(ctx, app):
    if items_mod.space_type(ctx.tenant, app) == "managed":
        raise bad("app %s is in a managed space; publish from a shared or personal space"
                  % app["id"])


@route("POST", "/api/v1/apps/{appId}/publish", service=SERVICE)
def publish(ctx):
    src = get_app(ctx, ctx.params["appId"])
    body = validate.read_json(ctx, PUBLISH_SCHEMA, SERVICE)
    if "spaceId" not in body:
        raise bad("spaceId (a managed space) is required", pointer="/spaceId")
    if body.get("moveApp") and not body.get("originAppId"):
        raise bad("originAppId is required when moveApp is true", pointer="/originAppId")
    _source_publishable(ctx, src)
    space = _publish_space(ctx, body["spaceId"], "/spaceId")
    attrs = body.get("attributes", {})
    now = util.now()
    if body.get("moveApp"):
        src.update({"spaceId": space["id"], "published": True, "publishTime": now,
                    "originAppId": body["originAppId"]})
        src.update({k: v for k, v in attrs.items()})
        _touch(src)
        return json_response(render(ctx, src))
    for other in apps_of(ctx.tenant).values():
        if other.get("spaceId") == space["id"] and other["originAppId"] == src["id"]:
            raise err(409, "Conflict", "app %s is already published to space %s as %s; "
                      "republish with PUT /api/v1/apps/%s/publish"
                      % (src["id"], space["id"], other["id"], src["id"]))
    app = new_app(ctx.tenant, attrs.get("name", src["name"]), space["id"], _caller_id(ctx),
                  src["size"], src["sha256"], blobs.share_source(src["source"], "app"),
                  attrs.get("description", src["description"]), ts=now)
    app.update({"published": True, "publishTime": now, "originAppId": src["id"],
                "lastReloadTime": src["lastReloadTime"]})
    return json_response(render(ctx, app))


@route("PUT", "/api/v1/apps/{appId}/publish", service=SERVICE)
def republish(ctx):
    src = get_app(ctx, ctx.params["appId"])
    body = validate.read_json(ctx, REPUBLISH_SCHEMA, SERVICE)
    if "targetId" not in body and "spaceId" in body:
        body["targetId"] = _published_in(ctx, src, body["spaceId"])
    if "targetId" not in body:
        raise bad("targetId (the published app) is required", pointer="/targetId")
    target = apps_of(ctx.tenant).get(body["targetId"])
    if target is None:
        raise err(404, "Not Found", "target app %s not found" % body["targetId"],
                  pointer="/targetId")
    if target["id"] == src["id"]:
        raise bad("an app cannot be republished onto itself", pointer="/targetId")
    _source_publishable(ctx, src)
    if items_mod.space_type(ctx.tenant, target) != "managed" or not target["publishTime"]:
        raise bad("target app %s is not a published app in a managed space" % target["id"],
                  pointer="/targetId")
    _publish_space(ctx, target["spaceId"], "/targetId")
    if body.get("checkOriginAppId", True) and target["originAppId"] != src["id"]:
        raise bad("target app %s was published from %s, not from %s (set checkOriginAppId "
                  "false to republish anyway)" % (target["id"], target["originAppId"] or "-",
                                                   src["id"]), pointer="/checkOriginAppId")
    if body.get("data", "source") == "source":
        blobs.drop_source(target["source"])
        target.update({"source": blobs.share_source(src["source"], "app"), "size": src["size"],
                       "sha256": src["sha256"], "lastReloadTime": src["lastReloadTime"]})
    attrs = body.get("attributes", {})
    target.update({k: v for k, v in attrs.items()})
    target["originAppId"] = src["id"]
    target["publishTime"] = util.now()
    _touch(target)
    return json_response(render(ctx, target))


def _published_in(ctx, src, space_id):
    """The id of the app published from src in space space_id, for a republish that names the
    managed space instead of the target (as Qlik's deploy scripts do); 404 if there is none."""
    _publish_space(ctx, space_id, "/spaceId")
    for a in apps_of(ctx.tenant).values():
        if a.get("spaceId") == space_id and a["originAppId"] == src["id"] and a["publishTime"]:
            return a["id"]
    raise err(404, "Not Found", "no app published from %s in space %s; publish it first with "
              "POST /api/v1/apps/%s/publish" % (src["id"], space_id, src["id"]),
              pointer="/spaceId")


# ---- spaces with apps cannot be deleted ------------------------------------------------------

def _space_not_empty(tenant, space):
    n = sum(1 for a in apps_of(tenant).values() if a.get("spaceId") == space["id"])
    return "space %s still holds %d app(s)" % (space["id"], n) if n else None


spaces_mod.SPACE_DELETE_HOOKS.append(_space_not_empty)


# ---- seeds and /state ------------------------------------------------------------------------

def _seed(state, tenant, value):
    """"apps": [{"name", "space"? (space name or id; none = the owner's personal space),
    "size"? (bytes, default 1 MiB), "id"? (UUID; default derived from hostname, space name and
    name, so seeds are reproducible), "owner"? (user id, subject or email), "description"?,
    "publishedFrom"? (name of an app seeded before: this one is its published copy, in a
    managed space)}]"""
    if not isinstance(value, list):
        raise SeedError("'apps' must be a list")
    made = []
    by_name = {}
    for d in value:
        if not isinstance(d, dict):
            raise SeedError("each app must be an object")
        bad_keys = set(d) - {"name", "space", "size", "id", "owner", "description",
                             "publishedFrom"}
        if bad_keys:
            raise SeedError("unknown app key(s) %s" % sorted(bad_keys))
        name = d.get("name")
        if not isinstance(name, str) or not name:
            raise SeedError("each app needs a non-empty 'name'")
        size = d.get("size", 1 << 20)
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SEED_SIZE:
            raise SeedError("app size must be an integer 1..%d" % MAX_SEED_SIZE)
        space = None
        if d.get("space") is not None:
            ref = d["space"]
            space = spaces_mod.get_space(tenant, ref) or next(
                (s for s in spaces_mod.spaces_of(tenant).values() if s["name"] == ref), None)
            if space is None:
                raise SeedError("app %r: no space %r (seed it under 'spaces')" % (name, ref))
        owner = space["ownerId"] if space else spaces_mod.default_owner(tenant)
        if "owner" in d:
            u = spaces_mod.find_user(tenant, d["owner"])
            if u is None:
                raise SeedError("app %r: no user %r" % (name, d["owner"]))
            owner = u["id"]
        app_id = d.get("id") or str(uuid.uuid5(uuid.NAMESPACE_URL, "qlikfake:%s:%s:%s" % (
            tenant.hostnames[0], space["name"] if space else "", name)))
        try:
            app_id = str(uuid.UUID(app_id))
        except (ValueError, AttributeError, TypeError):
            raise SeedError("app id must be a UUID: %r" % app_id)
        if app_id in apps_of(tenant):
            raise SeedError("duplicate app id %s (two apps named %r in one space?)" % (app_id, name))
        origin = None
        if "publishedFrom" in d:
            origin = by_name.get(d["publishedFrom"])
            if origin is None:
                raise SeedError("app %r: publishedFrom %r must name an app seeded before it"
                                % (name, d["publishedFrom"]))
            if space is None or space["type"] != "managed":
                raise SeedError("app %r: a published copy must be in a managed space" % name)
            size, sha = origin["size"], origin["sha256"]
            source = dict(origin["source"])
        else:
            source, sha = _generated(app_id, size)
        app = new_app(tenant, name, space["id"] if space else None, owner, size, sha, source,
                      d.get("description", ""), app_id)
        if origin is not None:
            app.update({"published": True, "publishTime": app["createdAt"],
                        "originAppId": origin["id"]})
        elif space is not None and space["type"] == "managed":
            # Apps reach managed spaces by publishing: a seeded one counts as published.
            app.update({"published": True, "publishTime": app["createdAt"]})
        _names.setdefault(sha, name)
        by_name[name] = app
        made.append({"id": app["id"], "name": name, "spaceId": app["spaceId"] or "",
                     "itemId": app["itemId"], "size": size, "sha256": sha,
                     "published": app["published"], "originAppId": app["originAppId"]})
    return made


def _dump(state, tenant):
    return [{"id": a["id"], "name": a["name"], "spaceId": a["spaceId"] or "",
             "ownerId": a["ownerId"], "published": a["published"],
             "publishTime": util.iso(a["publishTime"]) if a["publishTime"] else "",
             "originAppId": a["originAppId"], "size": a["size"], "sha256": a["sha256"],
             "itemId": a.get("itemId"), "createdAt": util.iso(a["createdAt"]),
             "modifiedAt": util.iso(a["modifiedAt"])}
            for a in apps_of(tenant).values()]


TENANT_SEED_HOOKS["apps"] = _seed
DUMP_HOOKS["apps"] = _dump
