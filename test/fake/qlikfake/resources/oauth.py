"""POST /oauth/token on tenant, register and console hosts (client credentials).

Contract: shared/research/qlik-api.md 2.1 and oauth.json. Error codes and titles for failed
token requests are not documented anywhere we found; the fake uses the OAuth 2.0 (RFC 6749
5.2) error names as titles in Qlik's oauth error shape (status as a string, no traceId):
    400 OAUTH-1 invalid_request         missing/duplicate fields, body not JSON/form
    401 OAUTH-2 invalid_client          unknown client, wrong secret, client not valid here
    400 OAUTH-3 unsupported_grant_type  anything but client_credentials
    400 OAUTH-4 invalid_scope           only with config strict_scopes
The token endpoint is Tier 2, counted per client id (there is no user yet).
"""
import hmac
import json
import urllib.parse

from .. import util
from ..errors import QlikError
from ..ratelimit import LIMITER
from ..routing import route
from ..server import json_response
from .. import errors

# Other grants the spec lists; the fake implements only client_credentials.
OTHER_GRANTS = {"refresh_token", "authorization_code",
                "urn:ietf:params:oauth:grant-type:token-exchange",
                "urn:qlik:oauth:user-impersonation"}


def _bad(detail, status=400, code="OAUTH-1", title="invalid_request"):
    return QlikError(status, code, title, detail, service="oauth")


def _form(ctx):
    ct = ctx.content_type()
    raw = ctx.body
    if ct == "application/json":
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _bad("request body is not valid JSON")
        if not isinstance(data, dict):
            raise _bad("request body must be a JSON object")
        return data
    if ct == "application/x-www-form-urlencoded":
        try:
            pairs = urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True,
                                           strict_parsing=bool(raw))
        except (UnicodeDecodeError, ValueError):
            raise _bad("request body is not valid form data")
        data = {}
        for k, v in pairs:
            if k in data:
                raise _bad("parameter %r given more than once" % k)  # RFC 6749 3.2
            data[k] = v
        return data
    raise _bad("Content-Type must be application/json or application/x-www-form-urlencoded")


@route("POST", "/oauth/token", service="oauth", hosts="any", auth=False)
def token(ctx):
    data = _form(ctx)
    state = ctx.state
    cid = data.get("client_id")
    if isinstance(cid, str) and cid and state.config["rate_limits"].get("enabled", True):
        scope_key = (ctx.tenant.id if ctx.kind == "tenant" else "console" if ctx.kind == "console"
                     else "register:" + ctx.region)
        wait = LIMITER.check(state.config["rate_limits"], scope_key, "client:" + cid, "POST",
                             "/oauth/token", "2", 100)
        if wait is not None:
            return json_response(errors.rate_limited_body(wait), 429, [("retry-after", str(wait))])
    grant = data.get("grant_type")
    if grant is None or grant == "":
        raise _bad("grant_type is required")
    if grant != "client_credentials":
        detail = ("grant_type %r is not supported by the fake" % grant if grant in OTHER_GRANTS
                  else "unsupported grant_type %r" % grant)
        raise _bad(detail, code="OAUTH-3", title="unsupported_grant_type")
    for field in ("client_id", "client_secret"):
        v = data.get(field)
        if v is None or v == "":
            if field == "client_secret" and data.get("client_assertion"):
                raise _bad("client_assertion is not supported by the fake; use client_secret")
            raise _bad("%s is required" % field)
        if not isinstance(v, str):
            raise _bad("%s must be a string" % field)
    scope = data.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise _bad("scope must be a space-separated string")

    client = state.find_client(cid)
    invalid = QlikError(401, "OAUTH-2", "invalid_client", "invalid client credentials",
                        service="oauth")
    if client is None or not hmac.compare_digest(client.secret.encode(), data["client_secret"].encode()):
        raise invalid
    # Where the client may get tokens: a regional client on its register host and every
    # tenant of its region; a tenant-level client only on its own tenant; an
    # organization-level client only on the console host, where no other client works.
    if client.kind == "org" or ctx.kind == "console":
        if client.kind != "org" or ctx.kind != "console":
            raise invalid
    elif client.kind == "region":
        if client.region != ctx.region:
            raise invalid
    elif ctx.kind != "tenant" or client.tenant_id != ctx.tenant.id:
        raise invalid
    if scope and state.config.get("strict_scopes"):
        missing = [s for s in scope.split() if s not in client.scopes]
        if missing:
            raise _bad("scope(s) not granted to this client: %s" % " ".join(missing),
                       code="OAUTH-4", title="invalid_scope")

    key = ctx.tenant.id if ctx.kind == "tenant" else "org" if ctx.kind == "console" else ctx.region
    tok = state.issue_token(ctx.kind, key, client, scope)
    body = {"access_token": tok.value, "token_type": "bearer",
            "expires_in": int(round(tok.expires_at - tok.issued_at)),
            "expires_at": util.iso(tok.expires_at)}
    if scope:
        body["scope"] = scope
    return json_response(body, 200, [("Cache-Control", "no-store"), ("Pragma", "no-cache")])
