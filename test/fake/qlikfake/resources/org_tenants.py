"""Organization APIs: the tenants of the organization's subscriptions, on the console host.

    GET  console: /api/core/tenants                    list (SCIM filter, sort, cursors)
    GET  console: /api/core/tenants/{tenantId}         one tenant
    GET  console: /api/core/tenants/actions/count      501 (see below)
    POST console: /api/core/tenants/actions/filter     501 (see below)

Contract: shared/research/qlik-org-api.md (qlik.dev org-rest core/tenants, changelog 207).
Host console.qlikcloud.com; tokens from its /oauth/token for organization-level OAuth clients
only (seed key "organization", resources/oauth.py); every call needs such a token. The list
is Tier 1. Errors in the edge shape (status string, traceId).

A tenant as the Organization API shows it: id (the tenant's id as the tenant API knows it,
Qlik's originalId), originalId (the same), name, status (active, disabled, deleted), createdAt,
updatedAt, hostnames, regionCode, subscriptionId, links.self.href.

Choices where Qlik is silent:
- The fake has one organization, which owns every subscription. A tenant's subscription is
  its license: subscriptionId = the license's licenseNumber (qlik.dev shows a subscription
  "identified like a license number"); tenants created with a license key share its
  license, so they are in the subscription of the tenant the key came from. A tenant seeded
  without a license is in no subscription and is never listed.
- regionCode is the tenant API's datacenter (us-east-1 for region us), as in qlik.dev's
  example of an organization.
- The filter is required, and must say `subscriptionId eq "..."` as a condition ANDed to the
  whole expression ("subscriptionId (required)"): else 400. Operators per attribute as
  documented: regionCode and status eq/ne; subscriptionId, name, hostnames, id, originalId eq
  only; createdAt, updatedAt any comparison (values must be ISO 8601 dates: else 400);
  countryCode any. Comparisons of strings ignore case, as in Qlik's other SCIM filters.
- The cursors next/prev are a tenant's ObjectId (24 hex, as documented): the page starts
  after (next) or ends before (prev) that tenant in the sort order; an unknown one is a 400.
  Ties of the sort are broken by that ObjectId, so pages neither skip nor repeat.
- sort: comma-separated fields, each "-" for descending, "+" or nothing for ascending;
  default createdAt. An unknown field is a 400.
- totalResults "true" adds totalResults (the matching count, all pages).
- config org_api_enabled false: every call is 403 HTTP-403 ("the feature is not enabled").
- actions/count and actions/filter answer 501: their answer and body shapes are not in the
  pages we have, so the fake does not guess them.
"""
from .. import state as state_mod, util
from ..errors import QlikError
from ..routing import route
from ..scim import ScimError, parse
from ..server import json_response
from ..state import CONSOLE_HOST, TENANT_INIT_HOOKS, add_config

SERVICE = "edge"
_EQ = {"eq"}
_EQNE = {"eq", "ne"}
_ALL = {"eq", "ne", "gt", "ge", "lt", "le", "co"}
ALLOWED = {"subscriptionId": _EQ, "name": _EQ, "hostnames": _EQ, "id": _EQ, "originalId": _EQ,
           "regionCode": _EQNE, "status": _EQNE, "createdAt": _ALL, "updatedAt": _ALL,
           "countryCode": _ALL}
SORTABLE = ("name", "regionCode", "countryCode", "hostnames", "createdAt", "updatedAt",
            "status", "subscriptionId")


def _bool_config(v):
    if not isinstance(v, bool):
        raise state_mod.SeedError("org_api_enabled must be a boolean")
    return v


add_config("org_api_enabled", True, _bool_config)


def _init(state, tenant):
    # The tenant's ObjectId in the organization's directory: the list's cursor.
    tenant.extra["org_oid"] = util.object_id(tenant.created)


TENANT_INIT_HOOKS.append(_init)


def _bad(detail, parameter=None):
    return QlikError(400, "HTTP-400", "Bad Request", detail, service=SERVICE,
                     source={"parameter": parameter} if parameter else None)


def _enabled(ctx):
    if not ctx.state.config.get("org_api_enabled", True):
        raise QlikError(403, "HTTP-403", "Forbidden",
                        "the Organization APIs are not enabled for this organization",
                        service=SERVICE)


def subscription(tenant):
    lic = tenant.extra.get("license")
    return lic.get("licenseNumber") if lic else None


def _listed(state):
    return [t for t in state.tenants.values() if subscription(t)]


def render(t, base="https://" + CONSOLE_HOST):
    return {"id": t.id, "originalId": t.id, "name": t.name,
            "status": t.status if t.status in ("active", "disabled", "deleted") else "active",
            "createdAt": util.iso(t.created), "updatedAt": util.iso(t.last_updated),
            "hostnames": list(t.hostnames), "regionCode": t.datacenter,
            "subscriptionId": subscription(t),
            "links": {"self": {"href": "%s/api/core/tenants/%s" % (base, t.id)}}}


def _dates(node):
    """The filter with createdAt/updatedAt values in the fake's own fixed-width ISO form, so
    that the string comparisons of scim.evaluate compare instants."""
    if node[0] in ("and", "or"):
        return (node[0], _dates(node[1]), _dates(node[2]))
    if node[0] == "not":
        return ("not", _dates(node[1]))
    kind, attr, op, value = node
    if attr in ("createdAt", "updatedAt"):
        try:
            value = util.iso(util.parse_iso(str(value)))
        except ValueError:
            raise _bad("%s must be compared with an ISO 8601 date, got %r" % (attr, value),
                       "filter")
    return (kind, attr, op, value)


def _top_conditions(node):
    """The conditions ANDed to the whole expression."""
    if node[0] == "and":
        return _top_conditions(node[1]) + _top_conditions(node[2])
    return [node] if node[0] == "cmp" else []


def _filter(ctx):
    text = ctx.arg("filter")
    if not text:
        raise _bad("filter is required and must name the subscription: "
                   "subscriptionId eq \"<subscription>\"", "filter")
    try:
        node = parse(text, ALLOWED)
    except ScimError as e:
        raise _bad("invalid filter: %s" % e, "filter")
    if not any(c[1] == "subscriptionId" and c[2] == "eq" for c in _top_conditions(node)):
        raise _bad("the filter must include subscriptionId eq \"<subscription>\", ANDed to the "
                   "rest of the expression", "filter")
    return _dates(node)


def _get(t, attr):
    if attr == "hostnames":
        return list(t.hostnames)
    if attr == "countryCode":
        return None
    return render(t)[attr]


def _sort_keys(ctx):
    raw = ctx.arg("sort") or "createdAt"
    keys = []
    for part in raw.split(","):
        part = part.strip()
        desc = part.startswith("-")
        field = part[1:] if part[:1] in "+-" else part
        if field not in SORTABLE:
            raise _bad("sort fields are %s, got %r" % (", ".join(SORTABLE), part), "sort")
        keys.append((field, desc))
    return keys


def _ordered(items, keys):
    # Stable sorts, last key first; the ObjectId breaks ties.
    out = sorted(items, key=lambda t: t.extra["org_oid"])
    for field, desc in reversed(keys):
        def k(t, f=field):
            v = _get(t, f)
            if isinstance(v, list):
                v = v[0] if v else ""
            return (v or "").lower() if f not in ("createdAt", "updatedAt") else render(t)[f]
        out.sort(key=k, reverse=desc)
    return out


@route("GET", "/api/core/tenants", service=SERVICE, hosts="console")
def list_tenants(ctx):
    _enabled(ctx)
    from ..scim import evaluate
    node = _filter(ctx)
    limit_raw = ctx.arg("limit")
    limit = 20
    if limit_raw not in (None, ""):
        try:
            limit = int(limit_raw)
        except ValueError:
            raise _bad("limit must be an integer between 0 and 100", "limit")
        if not 0 <= limit <= 100:
            raise _bad("limit must be between 0 and 100", "limit")
    total_raw = ctx.arg("totalResults")
    if total_raw not in (None, "", "true", "false"):
        raise _bad("totalResults must be \"true\" or \"false\"", "totalResults")
    nxt, prv = ctx.arg("next"), ctx.arg("prev")
    if nxt and prv:
        raise _bad("next and prev cannot be used together", "prev")
    items = _ordered([t for t in _listed(ctx.state) if evaluate(node, t, _get)], _sort_keys(ctx))
    oids = [t.extra["org_oid"] for t in items]
    cursor = nxt or prv
    if cursor:
        if cursor not in oids:
            # A cursor of a tenant the filter no longer matches cannot be placed.
            raise _bad("invalid %s cursor" % ("next" if nxt else "prev"), "next" if nxt else "prev")
        at = oids.index(cursor)
        start, end = (at + 1, at + 1 + limit) if nxt else (max(0, at - limit), at)
    else:
        start, end = 0, limit
    page = items[start:end]
    links = {"self": {"href": _href(ctx, None)}}
    if page and end < len(items):
        links["next"] = {"href": _href(ctx, ("next", page[-1].extra["org_oid"]))}
    if page and start > 0:
        links["prev"] = {"href": _href(ctx, ("prev", page[0].extra["org_oid"]))}
    body = {"data": [render(t, ctx.base) for t in page], "links": links}
    if total_raw == "true":
        body["totalResults"] = len(items)
    return json_response(body)


def _href(ctx, cursor):
    import urllib.parse
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(ctx.query, keep_blank_values=True)
             if cursor is None or k not in ("next", "prev")]
    if cursor is not None:
        pairs.append(cursor)
    q = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote, safe=",")
    return "%s%s%s" % (ctx.base, ctx.path, "?" + q if q else "")


@route("GET", "/api/core/tenants/{tenantId}", service=SERVICE, hosts="console")
def get_tenant(ctx):
    _enabled(ctx)
    t = ctx.state.tenants.get(ctx.params["tenantId"])
    if t is None or not subscription(t):
        raise QlikError(404, "HTTP-404", "Not Found", "tenant not found", service=SERVICE)
    return json_response(render(t, ctx.base))


def _not_implemented(ctx):
    _enabled(ctx)
    raise QlikError(501, "HTTP-501", "Not Implemented",
                    "the fake does not implement %s %s" % (ctx.method, ctx.path), service=SERVICE)


route("GET", "/api/core/tenants/actions/count", service=SERVICE, hosts="console")(_not_implemented)
route("POST", "/api/core/tenants/actions/filter", service=SERVICE, hosts="console")(_not_implemented)
