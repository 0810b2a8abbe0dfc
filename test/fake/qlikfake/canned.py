"""Canned answers: any Qlik API the fake does not implement, answered as a test says.

A canned answer is set through the control port (POST /canned) and serves the requests that
match its method (any if absent), path ("/exact", "/prefix*", or "*" anywhere, as faults) and
host (any Qlik host if absent; a tenant by any of its host names). It stands where the fake's
own route would: after the edge's checks (a bearer token issued for that host, a deactivated
tenant's 401, the rate limit of its tier) and before the fake's own handler of that path, if
any. Each match is in the request log like any request. `times` uses it up (default: no
limit); canned answers are tried in the order they were added, the first live match wins, so
several with `times` make a sequence (202 then 200).

Its tier: `tier` ("1", "2" or "special" with `limit` per minute), else the tier Qlik's specs
give the operation (tiers.py), else that of Qlik's similar endpoints: tier 1 for GET and
HEAD, tier 2 for writes.
"""
import base64
import binascii
import itertools
import json
import re
import threading

from . import errors, ratelimit
from .faults import path_match

_ids = itertools.count(1)
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Framing is the fake's: a canned answer cannot set these.
_FRAMING = {"content-length", "transfer-encoding", "connection"}
KEYS = {"method", "path", "host", "status", "headers", "content_type", "body", "body_base64",
        "json", "code", "title", "detail", "times", "tier", "limit"}


class CannedError(Exception):
    pass


def _headers(spec):
    raw = spec.get("headers") or []
    if isinstance(raw, dict):
        raw = list(raw.items())
    if not isinstance(raw, list):
        raise CannedError("headers is an object of names and values, or a list of [name, value]")
    out = []
    for pair in raw:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2
                and all(isinstance(x, str) for x in pair)):
            raise CannedError("each header is [name, value], both strings")
        name, value = pair
        if not _TOKEN.match(name):
            raise CannedError("invalid header name %r" % name)
        if any(ord(c) < 0x20 and c != "\t" or ord(c) > 0xff for c in value):
            raise CannedError("header %r has a control or non-Latin-1 character" % name)
        if name.lower() in _FRAMING:
            raise CannedError("header %r is set by the fake" % name)
        out.append((name, value))
    return out


def _body(spec):
    """(bytes, default content type) of a canned answer."""
    given = [k for k in ("body", "body_base64", "json") if k in spec]
    if len(given) > 1:
        raise CannedError("give one of body, body_base64, json")
    if "json" in spec:
        return json.dumps(spec["json"], separators=(",", ":")).encode(), errors.JSON
    if "body_base64" in spec:
        if not isinstance(spec["body_base64"], str):
            raise CannedError("body_base64 must be a string")
        try:
            return base64.b64decode(spec["body_base64"], validate=True), "application/octet-stream"
        except (binascii.Error, ValueError) as e:
            raise CannedError("body_base64 is not base64: %s" % e)
    if "body" in spec:
        if not isinstance(spec["body"], str):
            raise CannedError("body must be a string (or use json, body_base64)")
        return spec["body"].encode("utf-8"), "text/plain; charset=utf-8"
    return None, None


class Canned:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.entries = []

    def add(self, spec):
        if not isinstance(spec, dict):
            raise CannedError("a canned answer is a JSON object")
        bad = set(spec) - KEYS
        if bad:
            raise CannedError("unknown key(s) %s; allowed: %s" % (sorted(bad), sorted(KEYS)))
        path = spec.get("path")
        if not isinstance(path, str) or not path.startswith("/api/"):
            raise CannedError("path must start with /api/ (a Qlik API path; exact, a prefix "
                              "ending in *, or * anywhere)")
        method = spec.get("method")
        if method is not None and (not isinstance(method, str) or not _TOKEN.match(method)):
            raise CannedError("method must be an HTTP method")
        status = spec.get("status", 200)
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise CannedError("status must be a number 200..599")
        times = spec.get("times")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int)
                                  or times < 1):
            raise CannedError("times must be a positive number")
        tier = spec.get("tier")
        if tier is not None and str(tier) not in ("1", "2", "special"):
            raise CannedError('tier must be "1", "2" or "special"')
        limit = spec.get("limit")
        if tier is not None and str(tier) == "special":
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise CannedError("a special tier needs limit, calls per minute")
        elif limit is not None:
            raise CannedError('limit goes with tier "special"')
        ctype = spec.get("content_type")
        if ctype is not None and (not isinstance(ctype, str) or
                                  any(ord(c) < 0x20 or ord(c) > 0x7e for c in ctype)):
            raise CannedError("content_type must be printable ASCII")
        headers = _headers(spec)
        body, default_ct = _body(spec)
        if body is None and status >= 400:
            # An error in Qlik's shape (edge style), like a status fault.
            hdrs, obj = errors.render("edge", status, spec.get("code", "HTTP-%d" % status),
                                      spec.get("title", errors.reason(status)), spec.get("detail"))
            headers = hdrs + headers
            body, default_ct = json.dumps(obj, separators=(",", ":")).encode(), errors.JSON
        if any(k.lower() == "content-type" for k, _ in headers):
            if ctype is not None:
                raise CannedError("give the content type once: content_type or a header")
            ctype = None
        elif ctype is None:
            ctype = default_ct
        entry = {"method": method.upper() if method else None, "path": path,
                 "host": spec["host"].lower() if spec.get("host") else None,
                 "status": status, "headers": headers, "content_type": ctype,
                 "body": body or b"", "times": times,
                 "tier": str(tier) if tier is not None else None, "limit": limit}
        with self.lock:
            entry["id"] = next(_ids)
            entry["hits"] = 0
            self.entries.append(entry)
        return self.public(entry)

    @staticmethod
    def public(e):
        out = {k: v for k, v in e.items() if k != "body"}
        out["headers"] = [list(h) for h in e["headers"]]
        out["body_size"] = len(e["body"])
        return out

    def list(self):
        with self.lock:
            return [self.public(e) for e in self.entries]

    def remove(self, ident=None):
        """Remove one (by id) or all; returns how many went."""
        with self.lock:
            before = len(self.entries)
            self.entries = [e for e in self.entries if ident is not None and e["id"] != ident]
            return before - len(self.entries)

    def find(self, method, path, host_matches):
        """The first live canned answer for this request, or None (not used up: see serve).
        host_matches(pattern) says whether a canned host names the request's host."""
        with self.lock:
            for e in self.entries:
                if e["method"] and e["method"] != method:
                    continue
                if not path_match(e["path"], path):
                    continue
                if e["host"] and not host_matches(e["host"]):
                    continue
                return e
        return None

    @staticmethod
    def operation(e, method, path, console):
        """(tier, limit per minute, bucket template) for the rate limiter."""
        if e["tier"] is not None:
            return e["tier"], e["limit"] or (1000 if e["tier"] == "1" else 100), e["path"]
        op = ratelimit.lookup(method, path, console=console)
        if op is not None:
            return op
        return ("1", 1000, e["path"]) if method in ("GET", "HEAD") else ("2", 100, e["path"])

    def serve(self, e):
        """Use the canned answer once: (status, body, content type, headers)."""
        with self.lock:
            e["hits"] += 1
            if e["times"] is not None:
                e["times"] -= 1
                if e["times"] <= 0:
                    self.entries = [x for x in self.entries if x is not e]
        return e["status"], e["body"], e["content_type"], list(e["headers"])


CANNED = Canned()
