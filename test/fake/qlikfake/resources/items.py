"""Items API for the apps of a tenant: GET /api/v1/items, /items/{itemId},
/items/{itemId}/publisheditems, /items/{itemId}/collections (always empty), GET and PATCH
/items/settings.

Contract: items.json, @qlik/api items.d.ts, qlik-api.md 3.4. Errors in the items style:
errors[] without status and without traceId in the body; every answer (errors too) carries
an X-B3-Traceid header.

Every app gets an item (apps.py creates, updates and deletes it; resourceType "app",
resourceId = the app id, resourceAttributes = the app's attributes). Items are rendered from
the app at read time, so names, spaces and publish state are always current.

State: tenant.extra["items"] = {itemId: {id, resourceType, resourceId, createdAt}}.

Choices where Qlik is silent:
- Visibility: an item is listed when its app is in a space the caller can see (spaces.py:
  admins see every space) or in the caller's own personal space. Nobody sees another user's
  personal items (Qlik's hub does not show them either). GET /items/{id} answers 404 for an
  item the caller cannot see.
- name: case-insensitive "contains" (qlik-api.md 3.4, tutorial); query: the same on name or
  description.
- spaceId=personal: the caller's personal items. Personal items carry "spaceId": "".
- sort +recentlyUsed/-recentlyUsed uses updatedAt (the fake records no usage).
- collectionId: the fake has no collections, so nothing matches.
- Unknown query parameters are ignored; bad values of known ones are 400 HTTP-400 with
  source.parameter.
"""
import re

from .. import paging, perms, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import json_response
from ..state import DUMP_HOOKS
from . import spaces as spaces_mod

SERVICE = "items"
RESOURCE_TYPES = ["app", "qlikview", "qvapp", "genericlink", "sharingservicetask", "note",
                  "dataasset", "dataset", "automation", "automl-experiment", "automl-deployment",
                  "assistant", "dataproduct", "dataqualityrule", "glossary", "knowledgebase",
                  "script", "semantictype", "page"]
SPACE_TYPES = ["shared", "managed", "personal", "data"]
SORTS = ["+createdAt", "-createdAt", "+name", "-name", "+updatedAt", "-updatedAt",
         "+recentlyUsed", "-recentlyUsed"]


def _trace_header():
    return [("X-B3-Traceid", util.trace_id()[16:])]


def bad(detail, parameter=None):
    return QlikError(400, "HTTP-400", "Bad Request", detail, service=SERVICE,
                     source={"parameter": parameter} if parameter else None)


def items_of(tenant):
    return tenant.extra.setdefault("items", {})


def apps_of(tenant):
    return tenant.extra.setdefault("apps", {})


# ---- used by apps.py -------------------------------------------------------------------------

def add_app_item(tenant, app, ts=None):
    ts = app["createdAt"] if ts is None else ts
    item = {"id": util.object_id(ts), "resourceType": "app", "resourceId": app["id"],
            "createdAt": ts}
    items_of(tenant)[item["id"]] = item
    app["itemId"] = item["id"]
    return item


def remove_app_item(tenant, app):
    items_of(tenant).pop(app.get("itemId"), None)


# ---- rendering -------------------------------------------------------------------------------

def space_type(tenant, app):
    if not app.get("spaceId"):
        return "personal"
    s = spaces_mod.get_space(tenant, app["spaceId"])
    return s["type"] if s else "personal"


def visible(ctx, app):
    user = ctx.user()
    if not app.get("spaceId"):
        return user is not None and app["ownerId"] == user["id"]
    s = spaces_mod.get_space(ctx.tenant, app["spaceId"])
    return s is not None and spaces_mod.can_see(ctx, s)


def app_actions(ctx, app):
    """What the caller may do with an app (NxApp privileges and item actions)."""
    user = ctx.user()
    own = user is not None and app["ownerId"] == user["id"]
    stype = space_type(ctx.tenant, app)
    if stype == "managed":
        acts = ["read", "duplicate"]
        if own or spaces_mod.is_admin(ctx):
            acts += ["update", "delete", "reload", "change_owner", "change_space"]
        return acts
    acts = ["read", "update", "delete", "reload", "import", "publish", "duplicate", "export",
            "exportdata", "change_owner", "change_space"]
    if not (own or spaces_mod.is_admin(ctx)) and stype != "personal":
        s = spaces_mod.get_space(ctx.tenant, app["spaceId"])
        roles = set(spaces_mod.space_roles(ctx.tenant, s, user)) if s else set()
        if not roles & {"producer", "codeveloper", "facilitator"}:
            acts = ["read", "duplicate", "exportdata"]
    return acts


def render(ctx, item, app, actions=True):
    """An item as GET /items returns it."""
    from . import apps as apps_mod     # apps imports this module
    base = ctx.base
    attrs = apps_mod.attributes(ctx.tenant, app)
    attrs["_resourcetype"] = "app"
    d = {"id": item["id"], "name": app["name"], "description": app["description"],
         "resourceType": "app", "resourceId": app["id"], "resourceSubType": "",
         "resourceAttributes": attrs, "resourceCustomAttributes": {},
         "resourceCreatedAt": util.iso(app["createdAt"]),
         "resourceUpdatedAt": util.iso(app["modifiedAt"]),
         "resourceReloadEndTime": util.iso(app["lastReloadTime"]),
         "resourceReloadStatus": "ok",
         "resourceSize": {"appFile": app["size"], "appMemory": app["size"]},
         "spaceId": app.get("spaceId") or "",
         "ownerId": app["ownerId"], "creatorId": app.get("createdBy", app["ownerId"]),
         "updaterId": app.get("updatedBy", app["ownerId"]), "tenantId": ctx.tenant.id,
         "createdAt": util.iso(item["createdAt"]), "updatedAt": util.iso(app["modifiedAt"]),
         "thumbnailId": "", "isFavorited": False, "collectionIds": []}
    acts = app_actions(ctx, app) if actions else None
    if actions:
        d["actions"] = acts
    d["meta"] = {"isFavorited": False, "tags": [], "collections": []}
    if actions:
        d["meta"]["actions"] = acts
    d["links"] = {"self": {"href": "%s/api/v1/items/%s" % (base, item["id"])},
                  "open": {"href": "%s/sense/app/%s" % (base, app["id"])},
                  "collections": {"href": "%s/api/v1/items/%s/collections" % (base, item["id"])}}
    return d


# ---- routes ----------------------------------------------------------------------------------

def _csv(raw):
    return [v.strip() for v in raw.split(",") if v.strip()]


def _resource_types(raw, subtype_param):
    """resourceType "app[qvd,chart-monitoring],qvapp" -> {type: set of subtypes or None}."""
    parts, depth, cur = [], 0, ""
    for ch in raw:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if depth < 0 or depth > 1:
            raise bad("malformed resourceType %r" % raw, "resourceType")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if depth:
        raise bad("malformed resourceType %r" % raw, "resourceType")
    parts.append(cur)
    out = {}
    for part in parts:
        if not part.strip():
            continue
        m = re.fullmatch(r"\s*([^\[\]\s]+)\s*(?:\[([^\[\]]*)\])?\s*", part)
        if not m:
            raise bad("malformed resourceType %r" % raw, "resourceType")
        name = m.group(1)
        if name not in RESOURCE_TYPES:
            raise bad("resourceType must be one of %s, got %r" % (", ".join(RESOURCE_TYPES), name),
                      "resourceType")
        if m.group(2) is not None:
            if subtype_param is not None:
                raise bad("resourceSubType cannot be combined with the resourceType[...] syntax",
                          "resourceSubType")
            out[name] = {x.strip() for x in m.group(2).split(",")}
        else:
            out[name] = None
    if not out:
        raise bad("malformed resourceType %r" % raw, "resourceType")
    return out


@route("GET", "/api/v1/items", service=SERVICE)
def list_items(ctx):
    q = lambda name: validate.q_str(ctx, name, SERVICE)     # noqa: E731
    limit = validate.q_int(ctx, "limit", 10, 1, 100, SERVICE)
    sort = validate.q_enum(ctx, "sort", SORTS, "+createdAt", SERVICE)
    no_actions = validate.q_bool(ctx, "noActions", False, SERVICE)
    shared = validate.q_bool(ctx, "shared", None, SERVICE)
    subtype_param = q("resourceSubType")
    rtypes = _resource_types(q("resourceType"), subtype_param) if q("resourceType") else None
    subtypes = set(_csv(subtype_param)) if subtype_param else None
    rid, rids, rlink = q("resourceId"), q("resourceIds"), q("resourceLink")
    if (rid or rids or rlink) and rtypes is None:
        raise bad("resourceType is required with resourceId, resourceIds or resourceLink",
                  "resourceType")
    if rid and rlink:
        raise bad("give either resourceId or resourceLink, not both", "resourceLink")
    rid_set = set(_csv(rids)) if rids else None
    if rid_set is not None and len(rid_set) > 100:
        raise bad("resourceIds takes at most 100 ids", "resourceIds")
    stypes = q("spaceType")
    stypes = set(_csv(stypes)) if stypes else None
    for st in stypes or ():
        if st not in SPACE_TYPES:
            raise bad("spaceType must be a comma-separated list of %s, got %r"
                      % (", ".join(SPACE_TYPES), st), "spaceType")
    space_id, name, query = q("spaceId"), q("name"), q("query")
    owner, not_owner = q("ownerId"), q("notOwnerId")
    creator, not_creator = q("createdByUserId"), q("notCreatedByUserId")
    item_id, collection = q("id"), q("collectionId")
    user = ctx.user()
    uid = user["id"] if user else None

    out = []
    apps = apps_of(ctx.tenant)
    for item in items_of(ctx.tenant).values():
        app = apps.get(item["resourceId"])
        if app is None or not visible(ctx, app):
            continue
        if rtypes is not None:
            if "app" not in rtypes:
                continue
            subs = rtypes["app"]
            if subs is not None and "" not in subs:
                continue
        if subtypes is not None and "" not in subtypes:
            continue
        if rid and app["id"] != rid:
            continue
        if rid_set is not None and app["id"] not in rid_set:
            continue
        if rlink:
            continue                        # app items have no resourceLink
        st = space_type(ctx.tenant, app)
        if stypes is not None and st not in stypes:
            continue
        if shared is not None and (st == "shared") != shared:
            continue
        if space_id:
            if space_id == "personal":
                if app.get("spaceId") or app["ownerId"] != uid:
                    continue
            elif app.get("spaceId") != space_id:
                continue
        if name and name.lower() not in app["name"].lower():
            continue
        if query and query.lower() not in app["name"].lower() \
                and query.lower() not in (app["description"] or "").lower():
            continue
        if owner and app["ownerId"] != owner:
            continue
        if not_owner and app["ownerId"] == not_owner:
            continue
        creator_id = app.get("createdBy", app["ownerId"])
        if creator and creator_id != creator:
            continue
        if not_creator and creator_id == not_creator:
            continue
        if item_id and item["id"] != item_id:
            continue
        if collection:
            continue                        # no collections in the fake
        out.append((item, app))

    return _page(ctx, out, sort, limit, not no_actions)


def _page(ctx, pairs, sort, limit, actions=True):
    field = sort[1:]
    desc = sort.startswith("-")

    def key(pair):
        item, app = pair
        if field == "name":
            v = app["name"]
        elif field == "createdAt":
            v = item["createdAt"]
        else:
            v = app["modifiedAt"]
        return (v, item["id"])

    chosen, links = paging.page(ctx, pairs, key, sort, desc, limit)
    data = [render(ctx, item, app, actions=actions) for item, app in chosen]
    return json_response({"data": data, "links": links}, headers=_trace_header())


def _visible_item(ctx):
    item = items_of(ctx.tenant).get(ctx.params["itemId"])
    app = apps_of(ctx.tenant).get(item["resourceId"]) if item else None
    if app is None or not visible(ctx, app):
        raise QlikError(404, "HTTP-404", "Not Found", "item %s not found" % ctx.params["itemId"],
                        service=SERVICE)
    return item, app


@route("GET", "/api/v1/items/{itemId}/publisheditems", service=SERVICE)
def published_items(ctx):
    """The published copies of an app (apps whose originAppId is this item's app). The spec
    types the answer as a list of collections (a copy-paste slip, by the description); the
    fake answers items, which is what the endpoint is for."""
    _item, app = _visible_item(ctx)
    limit = validate.q_int(ctx, "limit", 10, 1, 100, SERVICE)
    sort = validate.q_enum(ctx, "sort", SORTS[:6], "+createdAt", SERVICE)
    rtype = validate.q_enum(ctx, "resourceType", RESOURCE_TYPES, None, SERVICE)
    apps = apps_of(ctx.tenant)
    pairs = []
    if rtype in (None, "app"):
        for it in items_of(ctx.tenant).values():
            other = apps.get(it["resourceId"])
            if other is not None and other["originAppId"] == app["id"] and visible(ctx, other):
                pairs.append((it, other))
    return _page(ctx, pairs, sort, limit)


@route("GET", "/api/v1/items/{itemId}/collections", service=SERVICE)
def item_collections(ctx):
    """The fake has no collections or tags: always an empty list."""
    _visible_item(ctx)
    validate.q_int(ctx, "limit", 10, 1, 100, SERVICE)
    validate.q_enum(ctx, "sort", SORTS[:6], "+createdAt", SERVICE)
    return json_response({"data": [], "links": {"self": {"href": paging._href(ctx, None)}}},
                         headers=_trace_header())


def _settings(tenant):
    return tenant.extra.setdefault("items_settings", {"usageMetricsEnabled": True})


@route("GET", "/api/v1/items/settings", service=SERVICE)
def get_settings(ctx):
    return json_response(dict(_settings(ctx.tenant)), headers=_trace_header())


@route("PATCH", "/api/v1/items/settings", service=SERVICE)
def patch_settings(ctx):
    ops = validate.json_patch(ctx, [(r"/usageMetricsEnabled", {"type": "boolean"})], SERVICE)
    perms.require(ctx, SERVICE)
    for _op, _path, _m, value in ops:
        _settings(ctx.tenant)["usageMetricsEnabled"] = value
    return json_response(dict(_settings(ctx.tenant)), headers=_trace_header())


@route("GET", "/api/v1/items/{itemId}", service=SERVICE)
def get_item(ctx):
    item, app = _visible_item(ctx)
    return json_response(render(ctx, item, app), headers=_trace_header())


def _dump(state, tenant):
    apps = apps_of(tenant)
    out = []
    for item in items_of(tenant).values():
        app = apps.get(item["resourceId"], {})
        out.append({"id": item["id"], "resourceType": item["resourceType"],
                    "resourceId": item["resourceId"], "name": app.get("name"),
                    "spaceId": app.get("spaceId") or "",
                    "createdAt": util.iso(item["createdAt"])})
    return out


DUMP_HOOKS["items"] = _dump
