"""Qlik error bodies, per service.

Qlik's services do not agree on one error shape (see shared/research/qlik-api.md 2.2 and the
Error/Errors schemas of each OpenAPI document). The common shape is

    {"errors":[{"code","title","detail"?,"status"?,"source"?,"meta"?}],"traceId":"<32 hex>"}

and the differences, taken from each spec's components, are:

    service             errors[].status   traceId   other
    edge (gateway)      string            yes       auth failures, unknown paths, deactivated tenant
    oauth               string            no        /oauth/token
    tenants             string            yes
    web-integrations    string            yes
    csp-origins         absent            no
    users               number            yes
    groups              number            yes
    identity-providers  number            no
    roles               absent            yes
    spaces              absent            yes       also top-level code/title/detail/source (deprecated
                                                  copy); errors[].source sits in errors[].meta.source
    temp-contents       absent            yes
    apps                absent            no
    items               absent            no        trace id in the X-B3-Traceid header instead
    licenses            absent            no        {"error":"util.Error","errors":[...],"message"}
    reloads             absent            no
    reload-tasks        absent            yes

A resource module names its service and raises QlikError; the pipeline renders it.
"""
from . import util

STYLES = {
    # service: (status style, traceId in body, extra)
    "edge": ("string", True, None),
    "oauth": ("string", False, None),
    "tenants": ("string", True, None),
    "web-integrations": ("string", True, None),
    "csp-origins": (None, False, None),
    "users": ("number", True, None),
    "groups": ("number", True, None),
    "identity-providers": ("number", False, None),
    "roles": (None, True, None),
    "spaces": (None, True, "toplevel"),
    "temp-contents": (None, True, None),
    "apps": (None, False, None),
    "items": (None, False, "b3header"),
    "licenses": (None, False, "licenses"),
    "reloads": (None, False, None),
    "reload-tasks": (None, True, None),
}

JSON = "application/json; charset=utf-8"


class QlikError(Exception):
    """Raise from a handler to answer with a Qlik error body in the route's service style."""

    def __init__(self, status, code, title, detail=None, service=None, meta=None, source=None,
                 headers=None):
        super().__init__("%s %s %s" % (status, code, title))
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.service = service
        self.meta = meta
        self.source = source
        self.headers = headers or []


def render(service, status, code, title, detail=None, meta=None, source=None):
    """Returns (headers, body dict) for one error in the given service's style."""
    style, with_trace, extra = STYLES.get(service, STYLES["edge"])
    err = {"code": code, "title": title}
    if detail is not None:
        err["detail"] = detail
    if style == "string":
        err["status"] = str(status)
    elif style == "number":
        err["status"] = int(status)
    if source:
        err["source"] = source
    if meta:
        err["meta"] = meta
    headers = []
    if extra == "licenses":
        return headers, {"error": "util.Error", "errors": [err],
                         "message": detail or title}
    body = {"errors": [err]}
    trace = util.trace_id()
    if with_trace:
        body["traceId"] = trace
    if extra == "toplevel":
        # spaces.json: Error keeps the source under meta.source; the deprecated top-level
        # copy has code, title, detail, meta and source.
        if "source" in err:
            src = err.pop("source")
            err["meta"] = dict(err.get("meta") or {}, source=src)
            body["source"] = src
        body.update({k: err[k] for k in ("code", "title", "detail") if k in err})
    if extra == "b3header":
        headers.append(("X-B3-Traceid", trace[16:]))
    return headers, body


def from_exception(exc, default_service):
    headers, body = render(exc.service or default_service, exc.status, exc.code, exc.title,
                           exc.detail, exc.meta, exc.source)
    return headers + list(exc.headers), body


def rate_limited_body(seconds):
    """The documented 429 body (qlik.dev rate-limiting page): no status, no traceId."""
    return {"errors": [{"code": "HTTP-429", "title": "API rate limit reached.",
                        "detail": "You need to wait %d seconds until limit is lifted." % seconds}]}


# Generic titles for statuses the fake emits on its own (unknown paths, faults ...).
REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
    412: "Precondition Failed", 413: "Payload Too Large", 415: "Unsupported Media Type",
    429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}


def reason(status):
    return REASONS.get(status, "Error")
