"""Spaces API: spaces and their assignments.

Contract: spaces.json, @qlik/api spaces.d.ts, qlik-api.md 2.2, 2.3 and 3.3. Errors in the
spaces style: errors[] without status, a traceId, and the deprecated top-level copy of
code/title/detail (Qlik's own script tests `.code == "AssignmentConflict"`).

    GET    /api/v1/spaces                       type, name, ownerId, sort, limit, next/prev,
                                                action=publish, roles, filter, meta.count
    POST   /api/v1/spaces                       {name, type, description?} -> 201 Space
    GET    /api/v1/spaces/types                 {"data": ["shared","managed","data"]}
    GET    /api/v1/spaces/{id}                  Space
    PATCH  /api/v1/spaces/{id}                  JSON Patch /name /ownerId /description -> 200
    PUT    /api/v1/spaces/{id}                  {name?, ownerId?, description?} -> 200
    DELETE /api/v1/spaces/{id}                  204; 412 while apps are in it
    GET    /api/v1/spaces/{id}/assignments      type, assigneeId, limit, next/prev, meta.count
    POST   /api/v1/spaces/{id}/assignments      {type, assigneeId, roles} -> 201; 409
                                                AssignmentConflict
    GET/PUT/DELETE /api/v1/spaces/{id}/assignments/{assignmentId}

State: tenant.extra["spaces"] = {id: {id, name, type, description, ownerId, tenantId,
createdAt, createdBy, updatedAt, assignments: {aid: assignment}}}.

Choices where Qlik is silent (the fake's, each a guess kept simple):
- Error codes: AssignmentConflict is Qlik's (S5 script); the others (SpaceNotFound,
  SpaceNameConflict, AssignmentNotFound, SpaceNotEmpty, Forbidden, HTTP-400 for validation)
  are the fake's, in the same style.
- POST /spaces documents no 400, yet a body without name/type cannot be served: 400.
- Space names are unique per tenant, compared exactly (case-sensitive, like group names).
- Who sees what: TenantAdmin and AnalyticsAdmin see every space; others see the spaces they
  own or are assigned to (directly or through a group). An invisible space is a 404 ("Space
  not found or access denied").
- Creating needs TenantAdmin, AnalyticsAdmin (shared/managed), DataAdmin (data) or the
  matching SharedSpaceCreator / ManagedSpaceCreator / DataSpaceCreator role: else 403.
  Changing spaces and assignments needs the owner, an admin as above, or the facilitator
  role in the space: else 403.
- The creator owns the space (ownerId) and gets no assignment; meta.roles lists only
  assigned roles; meta.actions is every action for owners and admins, and follows the
  roles otherwise (read for all; create for producer, codeveloper, contributor, operator;
  publish for publisher; update for facilitator).
- The assignee must be a user (type user or bot) or a group of the tenant: else 400. One
  assignment per assignee per space (409 AssignmentConflict); roles must be non-empty and
  valid for the space type (qlik-api.md 3.3): else 400. Duplicate roles are merged.
- Default sort of GET /spaces is +createdAt (not documented); sort takes [+|-] type, name,
  createdAt. limit is 1..100 (default 10; the maximum is not documented). filter accepts the
  SCIM `name eq "X"` older qlik.dev pages document. environmentId / environment.name: the
  fake has no environments, so an empty value matches every space and any other none.
- PUT updates the fields it names (name cannot be removed, and nothing says PUT clears the
  description).
- Publishing right after a space is created fails for a moment in Qlik (qlik-api.md 2.5);
  the opt-in knob for it lives in apps.py (config publish_settle_ms).
"""
import re

from .. import paging, perms, scim, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response
from ..state import DUMP_HOOKS, TENANT_SEED_HOOKS, SeedError

SERVICE = "spaces"
TYPES = ("shared", "managed", "data")
ROLES = {
    "shared": ["codeveloper", "consumer", "dataconsumer", "facilitator", "producer"],
    "managed": ["consumer", "contributor", "dataconsumer", "facilitator", "publisher",
                "basicconsumer"],
    "data": ["consumer", "dataconsumer", "datapreview", "facilitator", "operator", "producer",
             "publisher"],
}
ALL_ROLES = ["consumer", "contributor", "dataconsumer", "datapreview", "facilitator",
             "operator", "producer", "publisher", "basicconsumer", "codeveloper"]
ADMIN_ROLES = {"TenantAdmin", "AnalyticsAdmin"}
CREATOR_ROLES = {"shared": {"SharedSpaceCreator", "TenantAdmin", "AnalyticsAdmin"},
                 "managed": {"ManagedSpaceCreator", "TenantAdmin", "AnalyticsAdmin"},
                 "data": {"DataSpaceCreator", "TenantAdmin", "AnalyticsAdmin", "DataAdmin"}}
NAME_PATTERN = r'[^"*?<>/|\\:]+'
NAME_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 256, "pattern": NAME_PATTERN}

CREATE_SCHEMA = {
    "type": "object", "required": ["name", "type"],
    "properties": {"name": NAME_SCHEMA,
                   "type": {"type": "string", "enum": list(TYPES)},
                   "description": {"type": "string"}},
    "additionalProperties": False,
}
UPDATE_SCHEMA = {
    "type": "object",
    "properties": {"name": NAME_SCHEMA, "ownerId": {"type": "string", "minLength": 1},
                   "description": {"type": "string"}},
    "additionalProperties": False,
}
ASSIGN_SCHEMA = {
    "type": "object", "required": ["type", "assigneeId", "roles"],
    "properties": {"type": {"type": "string", "enum": ["user", "group", "bot"]},
                   "assigneeId": {"type": "string", "minLength": 1},
                   "roles": {"type": "array", "minItems": 1,
                             "items": {"type": "string", "enum": ALL_ROLES}}},
    "additionalProperties": False,
}
ASSIGN_UPDATE_SCHEMA = {
    "type": "object",
    "properties": {"roles": {"type": "array", "minItems": 1,
                             "items": {"type": "string", "enum": ALL_ROLES}}},
    "additionalProperties": False,
}


def err(status, code, title, detail=None, pointer=None, parameter=None):
    src = {"pointer": pointer} if pointer else ({"parameter": parameter} if parameter else None)
    return QlikError(status, code, title, detail, service=SERVICE, source=src)


def not_found(sid):
    return err(404, "SpaceNotFound", "Space not found or access denied",
               "space %s not found or access denied" % sid)


def bad(detail, pointer=None, parameter=None):
    return err(400, "HTTP-400", "Bad Request", detail, pointer, parameter)


# ---- state helpers (apps.py and items.py use these too) --------------------------------------

def spaces_of(tenant):
    return tenant.extra.setdefault("spaces", {})


def get_space(tenant, sid):
    return spaces_of(tenant).get(sid)


def user_roles(tenant, user):
    """Tenant role names of a user: direct and through its groups (and Everyone)."""
    if user is None:
        return set()
    roles = set(user.get("roles", []))
    groups = tenant.extra.get("groups", {})
    for gid in user.get("groups", []):
        roles.update(groups.get(gid, {}).get("roles", []))
    roles.update(tenant.extra.get("group_settings", {}).get("everyone", {}).get("roles", []))
    return roles


def caller_roles(ctx):
    try:
        return perms.roles_of(ctx)
    except Exception:       # perms belongs to another module; fall back to the same rule
        return user_roles(ctx.tenant, ctx.user())


def is_admin(ctx):
    return bool(caller_roles(ctx) & ADMIN_ROLES)


def space_roles(tenant, space, user):
    """The space roles a user holds through assignments (direct or via its groups)."""
    if user is None:
        return []
    ids = {user["id"]} | set(user.get("groups", []))
    ids.add(perms.EVERYONE_ID)
    out = []
    for a in space["assignments"].values():
        if a["assigneeId"] in ids:
            out += [r for r in a["roles"] if r not in out]
    return out


def can_see(ctx, space):
    user = ctx.user()
    if is_admin(ctx) or (user is not None and space["ownerId"] == user["id"]):
        return True
    return bool(space_roles(ctx.tenant, space, user))


def can_manage(ctx, space):
    user = ctx.user()
    if is_admin(ctx) or (user is not None and space["ownerId"] == user["id"]):
        return True
    return "facilitator" in space_roles(ctx.tenant, space, user)


def actions_for(ctx, space):
    user = ctx.user()
    if is_admin(ctx) or (user is not None and space["ownerId"] == user["id"]):
        acts = ["change_owner", "create", "delete", "read", "update"]
        if space["type"] in ("managed", "data"):
            acts.append("publish")
        return acts
    roles = set(space_roles(ctx.tenant, space, user))
    acts = {"read"}
    if roles & {"producer", "codeveloper", "contributor", "operator"}:
        acts.add("create")
    if "publisher" in roles:
        acts.add("publish")
    if "facilitator" in roles:
        acts.add("update")
    return sorted(acts)


def visible_space(ctx, sid):
    s = get_space(ctx.tenant, sid)
    if s is None or not can_see(ctx, s):
        raise not_found(sid)
    return s


def render(ctx, s):
    base = ctx.base
    d = {"id": s["id"], "type": s["type"], "name": s["name"], "description": s["description"],
         "ownerId": s["ownerId"], "tenantId": s["tenantId"],
         "createdAt": util.iso(s["createdAt"]), "createdBy": s["createdBy"],
         "updatedAt": util.iso(s["updatedAt"]),
         "meta": {"actions": actions_for(ctx, s),
                  "roles": space_roles(ctx.tenant, s, ctx.user()),
                  "assignableRoles": list(ROLES[s["type"]])},
         "links": {"self": {"href": "%s/api/v1/spaces/%s" % (base, s["id"])},
                   "assignments": {"href": "%s/api/v1/spaces/%s/assignments" % (base, s["id"])}}}
    return d


def render_assignment(ctx, s, a):
    base = ctx.base
    d = {"id": a["id"], "type": a["type"], "assigneeId": a["assigneeId"],
         "roles": list(a["roles"]), "spaceId": s["id"], "tenantId": s["tenantId"],
         "createdAt": util.iso(a["createdAt"]), "createdBy": a["createdBy"],
         "updatedAt": util.iso(a["updatedAt"])}
    if a.get("updatedBy"):
        d["updatedBy"] = a["updatedBy"]
    d["links"] = {"self": {"href": "%s/api/v1/spaces/%s/assignments/%s" % (base, s["id"], a["id"])},
                  "space": {"href": "%s/api/v1/spaces/%s" % (base, s["id"])}}
    return d


def name_taken(tenant, name, except_id=None):
    return any(s["name"] == name and s["id"] != except_id for s in spaces_of(tenant).values())


def new_space(tenant, name, stype, description="", owner="", created_by="", sid=None, ts=None):
    ts = util.now() if ts is None else ts
    sid = sid or util.object_id(ts)
    s = {"id": sid, "name": name, "type": stype, "description": description or "",
         "ownerId": owner, "tenantId": tenant.id, "createdAt": ts, "createdBy": created_by,
         "updatedAt": ts, "assignments": {}}
    spaces_of(tenant)[sid] = s
    return s


def _caller_id(ctx):
    return ctx.token.user_id or "" if ctx.token else ""


def _conflict(name):
    return err(409, "SpaceNameConflict", "Space already exists",
               "a space named %r already exists; name must be unique" % name, "/name")


def _check_owner(tenant, owner_id, pointer):
    if owner_id not in tenant.users:
        raise bad("ownerId %s is not a user of this tenant" % owner_id, pointer)


# ---- spaces ----------------------------------------------------------------------------------

@route("GET", "/api/v1/spaces/types", service=SERVICE)
def space_types(ctx):
    return json_response({"data": list(TYPES)})


@route("POST", "/api/v1/spaces", service=SERVICE)
def create_space(ctx):
    body = validate.read_json(ctx, CREATE_SCHEMA, SERVICE)
    if not caller_roles(ctx) & CREATOR_ROLES[body["type"]]:
        raise err(403, "Forbidden", "Space create operation denied",
                  "creating a %s space needs one of %s"
                  % (body["type"], ", ".join(sorted(CREATOR_ROLES[body["type"]]))))
    if name_taken(ctx.tenant, body["name"]):
        raise _conflict(body["name"])
    uid = _caller_id(ctx)
    s = new_space(ctx.tenant, body["name"], body["type"], body.get("description", ""), uid, uid)
    return json_response(render(ctx, s), 201)


def _list_values(ctx, name, allowed):
    raw = validate.q_str(ctx, name, SERVICE)
    if raw is None or raw == "":
        return None
    vals = [v.strip() for v in raw.split(",") if v.strip()]
    for v in vals:
        if v not in allowed:
            raise bad("%s must be a comma-separated list of %s, got %r"
                      % (name, ", ".join(allowed), v), parameter=name)
    return set(vals)


@route("GET", "/api/v1/spaces", service=SERVICE)
def list_spaces(ctx):
    limit = validate.q_int(ctx, "limit", 10, 1, 100, SERVICE)
    field, desc = validate.q_sort(ctx, ("type", "name", "createdAt"), "+createdAt", SERVICE)
    types = _list_values(ctx, "type", TYPES)
    roles = _list_values(ctx, "roles", ALL_ROLES)
    name = validate.q_str(ctx, "name", SERVICE)
    owner = validate.q_str(ctx, "ownerId", SERVICE)
    action = validate.q_str(ctx, "action", SERVICE)
    if action not in (None, "", "publish"):
        raise bad('action supports only "publish"', parameter="action")
    flt = validate.q_str(ctx, "filter", SERVICE)
    tree = None
    if flt:
        try:
            tree = scim.parse(flt, {"name": {"eq"}})
        except scim.ScimError as e:
            raise bad("invalid filter: %s" % e, parameter="filter")
    env_values = [validate.q_str(ctx, k, SERVICE) for k in ("environmentId", "environment.name")]
    user = ctx.user()
    out = []
    for s in spaces_of(ctx.tenant).values():
        if not can_see(ctx, s):
            continue
        if types and s["type"] not in types:
            continue
        if name and name.lower() not in s["name"].lower():
            continue
        if owner and s["ownerId"] != owner:
            continue
        if any(v not in (None, "") for v in env_values):
            continue
        if roles and not roles & set(space_roles(ctx.tenant, s, user)):
            continue
        if action == "publish" and "publish" not in actions_for(ctx, s):
            continue
        if tree is not None and not scim.evaluate(tree, s, lambda item, attr: item.get(attr)):
            continue
        out.append(s)

    def key(s):
        v = s["createdAt"] if field == "createdAt" else s[field]
        return (v, s["id"])

    sort = ("-" if desc else "+") + field
    chosen, links = paging.page(ctx, out, key, sort, desc, limit)
    return json_response({"data": [render(ctx, s) for s in chosen], "links": links,
                          "meta": {"count": len(out)}})


@route("GET", "/api/v1/spaces/{spaceId}", service=SERVICE)
def get_space_route(ctx):
    return json_response(render(ctx, visible_space(ctx, ctx.params["spaceId"])))


def _require_manage(ctx, s, what):
    if not can_manage(ctx, s):
        raise err(403, "Forbidden", "Space %s operation denied" % what,
                  "only the owner, a facilitator or an admin may %s this space" % what)


def _apply(ctx, s, changes):
    if "name" in changes and name_taken(ctx.tenant, changes["name"], s["id"]):
        raise _conflict(changes["name"])
    if "ownerId" in changes:
        _check_owner(ctx.tenant, changes["ownerId"], changes.pop("_owner_pointer", "/ownerId"))
    changes.pop("_owner_pointer", None)
    s.update(changes)
    s["updatedAt"] = util.now()


@route("PATCH", "/api/v1/spaces/{spaceId}", service=SERVICE)
def patch_space(ctx):
    s = visible_space(ctx, ctx.params["spaceId"])
    ops = validate.json_patch(ctx, [(r"/name", NAME_SCHEMA),
                                    (r"/ownerId", {"type": "string", "minLength": 1}),
                                    (r"/description", {"type": "string"})], SERVICE)
    _require_manage(ctx, s, "patch (update)")
    changes = {}
    for i, (_op, path, _m, value) in enumerate(ops):
        changes[path[1:]] = value
        if path == "/ownerId":
            changes["_owner_pointer"] = "/%d/value" % i
    _apply(ctx, s, changes)
    return json_response(render(ctx, s))


@route("PUT", "/api/v1/spaces/{spaceId}", service=SERVICE)
def put_space(ctx):
    s = visible_space(ctx, ctx.params["spaceId"])
    body = validate.read_json(ctx, UPDATE_SCHEMA, SERVICE)
    _require_manage(ctx, s, "update")
    _apply(ctx, s, dict(body))
    return json_response(render(ctx, s))


SPACE_DELETE_HOOKS = []     # fn(tenant, space) -> reason string if the space is not empty


@route("DELETE", "/api/v1/spaces/{spaceId}", service=SERVICE)
def delete_space(ctx):
    s = visible_space(ctx, ctx.params["spaceId"])
    _require_manage(ctx, s, "delete")
    for hook in SPACE_DELETE_HOOKS:
        reason = hook(ctx.tenant, s)
        if reason:
            raise err(412, "SpaceNotEmpty", "Space delete precondition (space not empty) failed",
                      reason)
    del spaces_of(ctx.tenant)[s["id"]]
    return Response(204, b"")


# ---- assignments -----------------------------------------------------------------------------

def _check_roles(s, roles, pointer):
    allowed = ROLES[s["type"]]
    for i, r in enumerate(roles):
        if r not in allowed:
            raise bad("role %r cannot be assigned in a %s space (assignable: %s)"
                      % (r, s["type"], ", ".join(allowed)), "%s/%d" % (pointer, i))
    out = []
    for r in roles:
        if r not in out:
            out.append(r)
    return out


def check_assignee(tenant, atype, aid):
    """None if the assignee exists, else the reason."""
    if atype in ("user", "bot"):
        u = tenant.users.get(aid)
        if u is None:
            return "no user %s in this tenant" % aid
        if atype == "bot" and not u.get("clientId"):
            return "user %s is not a bot" % aid
        return None
    if aid == perms.EVERYONE_ID or aid in tenant.extra.get("groups", {}):
        return None
    return "no group %s in this tenant" % aid


def add_assignment(tenant, s, atype, aid, roles, created_by="", ts=None):
    ts = util.now() if ts is None else ts
    a = {"id": util.object_id(ts), "type": atype, "assigneeId": aid, "roles": roles,
         "createdAt": ts, "createdBy": created_by, "updatedAt": ts}
    s["assignments"][a["id"]] = a
    return a


@route("POST", "/api/v1/spaces/{spaceId}/assignments", service=SERVICE)
def create_assignment(ctx):
    s = visible_space(ctx, ctx.params["spaceId"])
    body = validate.read_json(ctx, ASSIGN_SCHEMA, SERVICE)
    roles = _check_roles(s, body["roles"], "/roles")
    _require_manage(ctx, s, "assignment create")
    problem = check_assignee(ctx.tenant, body["type"], body["assigneeId"])
    if problem:
        raise bad(problem, "/assigneeId")
    if any(a["assigneeId"] == body["assigneeId"] for a in s["assignments"].values()):
        raise err(409, "AssignmentConflict", "Assignment already exists",
                  "%s %s is already assigned to space %s; assigneeId must be unique"
                  % (body["type"], body["assigneeId"], s["id"]), "/assigneeId")
    a = add_assignment(ctx.tenant, s, body["type"], body["assigneeId"], roles, _caller_id(ctx))
    return json_response(render_assignment(ctx, s, a), 201)


@route("GET", "/api/v1/spaces/{spaceId}/assignments", service=SERVICE)
def list_assignments(ctx):
    s = visible_space(ctx, ctx.params["spaceId"])
    limit = validate.q_int(ctx, "limit", 10, 1, 100, SERVICE)
    atype = validate.q_enum(ctx, "type", ("user", "group", "bot"), None, SERVICE)
    assignee = validate.q_str(ctx, "assigneeId", SERVICE)
    items = [a for a in s["assignments"].values()
             if (atype is None or a["type"] == atype)
             and (not assignee or a["assigneeId"] == assignee)]
    chosen, links = paging.page(ctx, items, lambda a: (a["createdAt"], a["id"]), "+createdAt",
                                False, limit)
    return json_response({"data": [render_assignment(ctx, s, a) for a in chosen],
                          "links": links, "meta": {"count": len(items)}})


def _assignment(ctx):
    s = visible_space(ctx, ctx.params["spaceId"])
    a = s["assignments"].get(ctx.params["assignmentId"])
    if a is None:
        raise err(404, "AssignmentNotFound", "Assignment not found",
                  "assignment %s not found in space %s" % (ctx.params["assignmentId"], s["id"]))
    return s, a


@route("GET", "/api/v1/spaces/{spaceId}/assignments/{assignmentId}", service=SERVICE)
def get_assignment(ctx):
    s, a = _assignment(ctx)
    return json_response(render_assignment(ctx, s, a))


@route("PUT", "/api/v1/spaces/{spaceId}/assignments/{assignmentId}", service=SERVICE)
def put_assignment(ctx):
    s, a = _assignment(ctx)
    body = validate.read_json(ctx, ASSIGN_UPDATE_SCHEMA, SERVICE)
    _require_manage(ctx, s, "assignment update")
    if "roles" in body:
        a["roles"] = _check_roles(s, body["roles"], "/roles")
    a["updatedAt"] = util.now()
    a["updatedBy"] = _caller_id(ctx)
    return json_response(render_assignment(ctx, s, a))


@route("DELETE", "/api/v1/spaces/{spaceId}/assignments/{assignmentId}", service=SERVICE)
def delete_assignment(ctx):
    s, a = _assignment(ctx)
    _require_manage(ctx, s, "assignment delete")
    del s["assignments"][a["id"]]
    return Response(204, b"")


# ---- seeds and /state ------------------------------------------------------------------------

def find_user(tenant, ref):
    """A user by id, subject or email (seed references)."""
    if ref in tenant.users:
        return tenant.users[ref]
    for u in tenant.users.values():
        if u["subject"] == ref or u.get("email") == ref:
            return u
    return None


def default_owner(tenant):
    for u in tenant.users.values():
        if "TenantAdmin" in u.get("roles", []) and not u.get("clientId"):
            return u["id"]
    return next(iter(tenant.users), "")


def _seed(state, tenant, value):
    """"spaces": [{"name", "type", "description"?, "id"?, "owner"? (user id, subject or
    email), "assignments"?: [{"user" | "group": ref, "roles": [...]}]}]"""
    if not isinstance(value, list):
        raise SeedError("'spaces' must be a list")
    made = []
    for d in value:
        if not isinstance(d, dict):
            raise SeedError("each space must be an object")
        bad_keys = set(d) - {"name", "type", "description", "id", "owner", "assignments"}
        if bad_keys:
            raise SeedError("unknown space key(s) %s" % sorted(bad_keys))
        name, stype = d.get("name"), d.get("type", "shared")
        if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name) or len(name) > 256:
            raise SeedError("space name must be 1..256 characters without \" * ? < > / | \\ :")
        if stype not in TYPES:
            raise SeedError("space type must be one of %s" % ", ".join(TYPES))
        if name_taken(tenant, name):
            raise SeedError("duplicate space name %r" % name)
        sid = d.get("id")
        if sid is not None and (not isinstance(sid, str) or not re.fullmatch(r"[0-9a-f]{24}", sid)
                                or sid in spaces_of(tenant)):
            raise SeedError("space id must be 24 lower-case hex digits, unique: %r" % sid)
        owner = default_owner(tenant)
        if "owner" in d:
            u = find_user(tenant, d["owner"])
            if u is None:
                raise SeedError("space %r: no user %r" % (name, d["owner"]))
            owner = u["id"]
        s = new_space(tenant, name, stype, d.get("description", ""), owner, owner, sid)
        out = {"id": s["id"], "name": name, "type": stype, "ownerId": owner, "assignments": []}
        for a in d.get("assignments", []):
            if not isinstance(a, dict) or len({"user", "group"} & set(a)) != 1 \
                    or set(a) - {"user", "group", "roles"}:
                raise SeedError('an assignment is {"user": ref} or {"group": ref} with "roles"')
            roles = a.get("roles")
            if not isinstance(roles, list) or not roles or any(r not in ROLES[stype] for r in roles):
                raise SeedError("assignment roles must be a non-empty list of %s"
                                % ", ".join(ROLES[stype]))
            if "user" in a:
                u = find_user(tenant, a["user"])
                if u is None:
                    raise SeedError("space %r: no user %r" % (name, a["user"]))
                atype, aid = ("bot" if u.get("clientId") else "user"), u["id"]
            else:
                groups = tenant.extra.get("groups", {})
                g = groups.get(a["group"]) or next(
                    (g for g in groups.values() if g.get("name") == a["group"]), None)
                if g is None:
                    raise SeedError("space %r: no group %r (seed groups first)" % (name, a["group"]))
                atype, aid = "group", g["id"]
            if any(x["assigneeId"] == aid for x in s["assignments"].values()):
                raise SeedError("space %r: %s assigned twice" % (name, aid))
            x = add_assignment(tenant, s, atype, aid, list(roles))
            out["assignments"].append({"id": x["id"], "type": atype, "assigneeId": aid,
                                       "roles": list(roles)})
        made.append(out)
    return made


def _dump(state, tenant):
    out = []
    for s in spaces_of(tenant).values():
        out.append({"id": s["id"], "name": s["name"], "type": s["type"],
                    "description": s["description"], "ownerId": s["ownerId"],
                    "createdAt": util.iso(s["createdAt"]),
                    "assignments": [{"id": a["id"], "type": a["type"],
                                     "assigneeId": a["assigneeId"], "roles": list(a["roles"])}
                                    for a in s["assignments"].values()]})
    return out


TENANT_SEED_HOOKS["spaces"] = _seed
DUMP_HOOKS["spaces"] = _dump
