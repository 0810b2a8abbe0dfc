"""Licenses API: GET /api/v1/licenses/overview, /licenses/status, GET and PUT
/api/v1/licenses/settings.

Contract: licenses.json, @qlik/api licenses.d.ts, qlik-api.md 3.1 step 2 and 3.3. Errors in
the licenses shape ({"error":"util.Error","errors":[{code,title,detail?}],"message"}).

Model (Qlik does not document the internals; these are the fake's choices):
- A license is a dict in tenant.extra["license"]: licenseKey, licenseNumber, product, status,
  trial, valid, origin, allotments, parameters ..., plus the fake's own "tenant_quota" (how
  many tenants POST /api/v1/tenants may create with its key). The quota in use is counted
  live (tenants_created below): tenants created with the key that are not purged yet, so a
  purged tenant frees its slot ("deleting a tenant frees one tenant slot", delete-tenants
  page) while a deactivated one still holds it.
- Every tenant gets a license when created (TENANT_INIT_HOOKS). A seeded tenant may describe
  its license with the "license" seed key, or have none ("license": null: overview answers
  404, status answers "Missing").
- A tenant created through POST /api/v1/tenants is "linked to the provided license key"
  (tenants.json): it SHARES the source's license object (same key, number, allotments and
  quota), so both tenants' overviews agree and every create with that key draws on one quota.
  The source tenant itself does not count against the quota.
- licenseKey is JWT-shaped (header.payload.signature, base64url): header {"alg":"RS512",
  "typ":"JWT","kid":"qlikfake"}, payload {"jti","license","iat"}, an HMAC signature with a
  per-process secret. Tenant create accepts only a key the fake issued (exact match); anything
  else is 403 TENANTS-23, as is a license whose status is not "Ok".
- unitsUsed is what the seed says (default 0); assignments are not modelled.
- License settings are per tenant (defaults: both false). GET and PUT settings need
  TenantAdmin (both document 403 "Insufficient access"); overview and status do not.
"""
import base64
import hashlib
import hmac
import json
import secrets
import uuid

from .. import perms, util, validate
from ..errors import QlikError
from ..routing import route
from ..server import json_response
from ..state import TENANT_INIT_HOOKS, TENANT_SEED_HOOKS, DUMP_HOOKS, SeedError

SERVICE = "licenses"
_SECRET = secrets.token_bytes(32)

DEFAULT_ALLOTMENTS = [
    {"name": "professional", "units": 100, "unitsUsed": 0, "usageClass": "assigned"},
    {"name": "analyzer", "units": 500, "unitsUsed": 0, "usageClass": "assigned"},
    {"name": "analyzer_time", "units": 1000, "unitsUsed": 0, "overage": -1, "usageClass": "time"},
]
DEFAULT_QUOTA = 10
SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {"autoAssignProfessional": {"type": "boolean"},
                   "autoAssignAnalyzer": {"type": "boolean"}},
    # unknown fields rejected: a misspelt setting would otherwise be silently dropped
    "additionalProperties": False,
}


def _b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def make_key(number):
    header = _b64(json.dumps({"alg": "RS512", "typ": "JWT", "kid": "qlikfake"},
                             separators=(",", ":")).encode())
    payload = _b64(json.dumps({"jti": str(uuid.uuid4()), "license": number,
                               "iat": int(util.now())}, separators=(",", ":")).encode())
    sig = _b64(hmac.new(_SECRET, (header + "." + payload).encode(), hashlib.sha512).digest())
    return "%s.%s.%s" % (header, payload, sig)


def _date(ts):
    return util.iso(ts)[:10]


def new_license(spec=None):
    """A license dict from a seed spec (all keys optional)."""
    spec = dict(spec or {})
    allowed = {"product", "tenant_quota", "allotments", "licenseNumber", "secondaryNumber",
               "status", "trial", "valid", "origin", "parameters", "customerId", "licenseType",
               "settings"}
    bad = set(spec) - allowed
    if bad:
        raise SeedError("unknown license key(s) %s; allowed: %s" % (sorted(bad), sorted(allowed)))
    now = util.now()
    number = spec.get("licenseNumber") or "9999%012d" % secrets.randbelow(10 ** 12)
    if not isinstance(number, str):
        raise SeedError("licenseNumber must be a string")
    quota = spec.get("tenant_quota", DEFAULT_QUOTA)
    if isinstance(quota, bool) or not isinstance(quota, int) or quota < 0:
        raise SeedError("tenant_quota must be a non-negative integer")
    allotments = []
    for a in spec.get("allotments", DEFAULT_ALLOTMENTS):
        if not isinstance(a, dict) or a.get("name") not in ("professional", "analyzer",
                                                            "analyzer_time"):
            raise SeedError("each allotment needs a name: professional, analyzer or analyzer_time")
        bad = set(a) - {"name", "units", "unitsUsed", "overage", "usageClass"}
        if bad:
            raise SeedError("unknown allotment key(s) %s" % sorted(bad))
        for k in ("units", "unitsUsed", "overage"):
            if k in a and (isinstance(a[k], bool) or not isinstance(a[k], int)):
                raise SeedError("allotment %s must be an integer" % k)
        d = {"name": a["name"], "units": a.get("units", 0), "unitsUsed": a.get("unitsUsed", 0),
             "usageClass": a.get("usageClass", "time" if a["name"] == "analyzer_time"
                                 else "assigned")}
        if "overage" in a:
            d["overage"] = a["overage"]
        allotments.append(d)
    status = spec.get("status", "Ok")
    if status not in ("Ok", "Blacklisted", "Expired"):
        raise SeedError("license status is Ok, Blacklisted or Expired")
    origin = spec.get("origin", "Internal")
    if origin not in ("Internal", "External"):
        raise SeedError("license origin is Internal or External")
    trial = spec.get("trial", False)
    if not isinstance(trial, bool):
        raise SeedError("license trial must be a boolean")
    lic = {
        "licenseKey": make_key(number), "licenseNumber": number,
        "secondaryNumber": str(spec.get("secondaryNumber", "0")),
        "product": spec.get("product", "Qlik Cloud Analytics Premium"),
        "status": status, "trial": trial,
        "valid": spec.get("valid", "%s/%s" % (_date(now - 86400), _date(now + 365 * 86400))),
        "origin": origin, "updated": util.iso(now), "allotments": allotments,
        "parameters": spec.get("parameters", [
            {"name": "qlikAlerting", "valid": "./.", "values": {"saas_alerting": "FULL"}}]),
        "tenant_quota": quota,
    }
    for k in ("customerId", "licenseType"):
        if k in spec:
            lic[k] = spec[k]
    return lic


def find_by_key(state, key):
    for t in state.tenants.values():
        lic = t.extra.get("license")
        if lic is not None and hmac.compare_digest(lic["licenseKey"].encode(), key.encode()):
            return lic
    return None


def render(lic):
    return {k: v for k, v in lic.items() if k != "tenant_quota"}


def tenants_created(state, lic):
    """Tenants made by POST /api/v1/tenants with this license's key, not purged."""
    return sum(1 for t in state.tenants.values()
               if t.extra.get("license") is lic and t.extra.get("created_with_key")
               and t.status != "deleted")


def _init(state, tenant):
    tenant.extra["license"] = new_license()
    tenant.extra["license_settings"] = {"autoAssignProfessional": False,
                                        "autoAssignAnalyzer": False}


def _seed(state, tenant, spec):
    if spec is None:
        tenant.extra["license"] = None
        return None
    if not isinstance(spec, dict):
        raise SeedError("license must be an object or null")
    spec = dict(spec)
    settings = spec.pop("settings", None)
    lic = new_license(spec)
    tenant.extra["license"] = lic
    if settings is not None:
        try:
            tenant.extra["license_settings"].update(validate.check(settings, SETTINGS_SCHEMA))
        except validate.Violation as v:
            raise SeedError("license settings: %s" % v.message)
    return {"licenseKey": lic["licenseKey"], "licenseNumber": lic["licenseNumber"],
            "tenant_quota": lic["tenant_quota"]}


def _dump(state, tenant):
    lic = tenant.extra.get("license")
    d = None
    if lic is not None:
        d = dict(lic, tenants_created=tenants_created(state, lic))
    return {"license": d, "settings": dict(tenant.extra.get("license_settings", {}))}


TENANT_INIT_HOOKS.append(_init)
TENANT_SEED_HOOKS["license"] = _seed
DUMP_HOOKS["license"] = _dump


# ---- routes ------------------------------------------------------------------------------

@route("GET", "/api/v1/licenses/overview", service=SERVICE)
def overview(ctx):
    lic = ctx.tenant.extra.get("license")
    if lic is None:
        raise QlikError(404, "HTTP-404", "License not found",
                        "the tenant has no license", service=SERVICE)
    return json_response(render(lic))


@route("GET", "/api/v1/licenses/status", service=SERVICE)
def status(ctx):
    lic = ctx.tenant.extra.get("license")
    if lic is None:
        body = {"type": "Signed", "trial": False, "valid": "", "origin": "Internal",
                "product": "", "status": "Missing", "deactivated": False,
                "extensionStatus": "Unavailable"}
    else:
        body = {"type": "Signed", "trial": lic["trial"], "valid": lic["valid"],
                "origin": lic["origin"], "product": lic["product"], "status": lic["status"],
                "deactivated": False, "extensionStatus": "Unavailable"}
    return json_response(body)


@route("GET", "/api/v1/licenses/settings", service=SERVICE)
def get_settings(ctx):
    perms.require(ctx, SERVICE, title="Insufficient access")
    return json_response(dict(ctx.tenant.extra["license_settings"]))


@route("PUT", "/api/v1/licenses/settings", service=SERVICE)
def put_settings(ctx):
    perms.require(ctx, SERVICE, title="Insufficient access")
    # The body is optional (requestBody.required false): an empty body changes nothing.
    body = validate.read_json(ctx, SETTINGS_SCHEMA, SERVICE, empty={})
    settings = ctx.tenant.extra["license_settings"]
    settings.update(body)
    return json_response(dict(settings))
