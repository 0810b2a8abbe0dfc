"""JWT session login: POST /login/jwt-session and GET /api/v1/csrf-token, and the session
cookies they give (server.py authenticates /api calls with them).

Contract: qlik.dev's login API ("Exchanges a token in the form of a user JWT for a session
cookie") and "Implement JWT authorization"; Qlik support's "Example of JWT token format";
csrf-token API ("Returns CSRF token via the qlik-csrf-token header", 400 "Token is not
supported for the auth mechanism being used"); Qlik's CSRF note ("validated on all non-GET
calls, while rejecting any API calls with missing or bad tokens").

- The JWT comes as `Authorization: Bearer <jwt>`. Header: alg RS256/RS384/RS512/ES256 (HS*
  and none refused: "signed with an algorithm other than HS"), kid. Claims, all required:
  iss, aud, sub, subType, name, email, email_verified, jti, iat, nbf, exp; a missing one is
  a 400 INTERNAL-TOKEN-1 "Invalid token request", detail "JWT_LOGIN_VALIDATIONS Missing
  required claim: <name>" (as Qlik answers); everything else wrong is a 401 LOGIN-1 with the
  reason in the detail (the spec lists 401 for a refused login).
- The tenant must have an active jwtAuth identity provider whose options.issuer is iss and
  whose static key's kid is the header's kid; the signature is verified with that key's PEM
  (jwtverify.py). aud must be "qlik.api/login/jwt-session", subType "user"; nbf <= now <
  exp within the IdP's clockToleranceSec; exp - nbf at most 1 hour; a jti is used once.
- The user with subject sub (any case) is created if missing (active, no roles), its name
  and email updated from the claims; a disabled or deleted user is refused (401).
- `groups` (optional, a list of names): the user's groups become those; a name no group has
  creates an idp group when group settings autoCreateGroups is true, else it is skipped.
- 200 with cookies `eas.sid` (the session, HttpOnly) and `_csrfToken` (readable by the
  page); the session lives as long as an access token (config token_lifetime) and acts as
  the user with the user's roles. Cookie-authenticated calls other than GET/HEAD/OPTIONS need
  the `qlik-csrf-token` header equal to the session's CSRF token (403 otherwise).
"""
import json
import secrets

from .. import jwtverify, server, util
from ..errors import QlikError
from ..routing import route
from ..server import Response, json_response
from ..state import RESET_HOOKS, Token

AUDIENCE = "qlik.api/login/jwt-session"
REQUIRED = ("iss", "aud", "sub", "subType", "name", "email", "email_verified", "jti", "iat",
            "nbf", "exp")
SESSIONS = {}          # session id -> {"token": Token, "csrf": str}
USED_JTI = {}          # tenant id -> set of jti


def _reset(state):
    SESSIONS.clear()
    USED_JTI.clear()


RESET_HOOKS.append(_reset)


def _refused(detail):
    return QlikError(401, "LOGIN-1", "Unauthorized", detail, service="edge")


def _parse(jwt):
    parts = jwt.split(".")
    if len(parts) != 3:
        raise _refused("the JWT is malformed (expected header.payload.signature)")
    try:
        header = json.loads(jwtverify.b64url(parts[0]))
        claims = json.loads(jwtverify.b64url(parts[1]))
        sig = jwtverify.b64url(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise _refused("the JWT is malformed (bad base64url or JSON)")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _refused("the JWT is malformed")
    return header, claims, sig, (parts[0] + "." + parts[1]).encode("ascii")


def _idp_key(tenant, iss, kid):
    # The issuer's IdPs (several during a key rotation: one key each), the one whose key
    # has the JWT's kid.
    found = False
    for idp in tenant.extra.get("idps", {}).values():
        if idp.get("protocol") != "jwtAuth" or not idp.get("active"):
            continue
        opts = idp.get("options", {})
        if opts.get("issuer") != iss:
            continue
        found = True
        for k in opts.get("staticKeys", []):
            if k.get("kid") == kid:
                try:
                    return idp, jwtverify.load_public_key(k.get("pem", ""))
                except jwtverify.KeyError_ as e:
                    raise _refused("the identity provider's key cannot be used: %s" % e)
    if found:
        raise _refused("no key with kid %r in the JWT identity providers of issuer %r"
                       % (kid, iss))
    raise _refused("no active JWT identity provider with issuer %r" % (iss,))


@route("POST", "/login/jwt-session", service="edge", auth=False)
def jwt_session(ctx):
    tenant, state = ctx.tenant, ctx.state
    scheme, _, jwt = (ctx.headers.get("Authorization") or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not jwt.strip():
        raise _refused("missing JWT (Authorization: Bearer <jwt>)")
    header, claims, sig, signing_input = _parse(jwt.strip())
    alg = header.get("alg")
    if alg not in jwtverify.ALGORITHMS:
        raise _refused("JWT algorithm %r is not accepted (RS256, RS384, RS512, ES256)" % (alg,))
    for c in REQUIRED:
        if c not in claims:
            raise QlikError(400, "INTERNAL-TOKEN-1", "Invalid token request",
                            "JWT_LOGIN_VALIDATIONS Missing required claim: %s" % c,
                            service="edge")
    if not header.get("kid"):
        raise QlikError(400, "INTERNAL-TOKEN-1", "Invalid token request",
                        "JWT_LOGIN_VALIDATIONS Missing required header: kid", service="edge")
    idp, key = _idp_key(tenant, claims["iss"], header["kid"])
    if not jwtverify.verify(alg, key, signing_input, sig):
        raise _refused("JWT signature verification failed")
    if claims["aud"] != AUDIENCE:
        raise _refused("aud must be %r" % AUDIENCE)
    if claims["subType"] != "user":
        raise _refused("subType must be 'user'")
    for c in ("iat", "nbf", "exp"):
        if not isinstance(claims[c], (int, float)) or isinstance(claims[c], bool):
            raise _refused("%s must be a number (seconds since the epoch)" % c)
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise _refused("sub must be a non-empty string")
    now, tol = util.now(), idp.get("clockToleranceSec", 5)
    if claims["nbf"] > now + tol:
        raise _refused("the JWT is not valid yet (nbf)")
    if claims["exp"] <= now - tol:
        raise _refused("the JWT has expired (exp)")
    if claims["exp"] - claims["nbf"] > 3600:
        raise _refused("exp - nbf exceeds 1 hour")
    used = USED_JTI.setdefault(tenant.id, set())
    if str(claims["jti"]) in used:
        raise _refused("the JWT was already used (jti)")
    groups = claims.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise _refused("groups must be a list of group names")

    user = next((u for u in tenant.users.values()
                 if u["subject"].lower() == claims["sub"].lower()), None)
    if user is not None and user["status"] in ("disabled", "deleted"):
        raise _refused("user %s is %s" % (user["id"], user["status"]))
    used.add(str(claims["jti"]))
    if user is None:
        user = state.add_user(tenant, {"subject": claims["sub"]})
    user["status"] = "active"
    user["name"], user["email"] = str(claims["name"]), str(claims["email"])
    user["lastUpdatedAt"] = now
    user["groups"] = _groups(tenant, groups, user["id"], now)

    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    tok = Token(sid, "tenant", tenant.id, None, user["id"], user["subject"],
                now + float(state.config["token_lifetime"]), None)
    SESSIONS[sid] = {"token": tok, "csrf": csrf}
    cookies = [("Set-Cookie", "eas.sid=%s; path=/; secure; httponly; samesite=none" % sid),
               ("Set-Cookie", "_csrfToken=%s; path=/; secure; samesite=none" % csrf)]
    return json_response({}, 200, cookies)


def _groups(tenant, names, who, now):
    groups = tenant.extra.setdefault("groups", {})
    auto = tenant.extra.get("group_settings", {}).get("autoCreateGroups", False)
    ids = []
    for name in dict.fromkeys(names):
        g = next((g for g in groups.values() if g["name"] == name), None)
        if g is None and auto:
            g = {"id": util.object_id(now), "name": name, "status": "active",
                 "providerType": "idp", "roles": [], "createdAt": now, "lastUpdatedAt": now,
                 "createdBy": who, "updatedBy": who}
            groups[g["id"]] = g
        if g is not None:
            ids.append(g["id"])
    return ids


def cookie(ctx, name):
    for part in (ctx.headers.get("Cookie") or "").split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


def _session(ctx):
    """The session of the request's eas.sid cookie on this tenant, or None."""
    s = SESSIONS.get(cookie(ctx, "eas.sid") or "")
    if s is None or ctx.tenant is None or s["token"].key != ctx.tenant.id:
        return None
    if s["token"].expires_at <= util.now():
        return None
    return s


@route("GET", "/api/v1/csrf-token", service="edge")
def csrf_token(ctx):
    s = ctx.session
    if s is None:
        raise QlikError(400, "HTTP-400", "Bad Request",
                        "Token is not supported for the auth mechanism being used",
                        service="edge")
    return Response(204, b"", None, [("qlik-csrf-token", s["csrf"])])


server.SESSION_LOOKUP = _session
