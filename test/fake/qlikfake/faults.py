"""Injected faults and latency, steered through the control interface.

A fault applies to the next `count` requests that match its optional host, method and path
(exact, a prefix when the pattern ends in "*", or "*" anywhere for any characters), after letting `skip` matching requests
through. Faults are tried in the order they were added; the first live match wins.
Kinds:
  status     answer `status` with a Qlik error body (edge style, or `service`), optional
             `retry_after` header, `code`, `title`, `detail`; or a raw JSON `body`
  drop       close the connection without answering
  hang       read the request, answer nothing until the client goes away (at most
             `seconds`, default config hang_max = 300 s, or until the fake stops)
  slow       wait `ms` milliseconds, then answer normally
  malformed  200 with a body that is not valid JSON
  truncate   a normal response whose Content-Length promises more bytes than are sent,
             then the connection is closed
  huge       200 with a valid JSON body of exactly `size` bytes
  redirect   `status` (301/302/303/307/308, default 302) with Location `location`
  echo       `status` (default 400) with an answer that repeats the request's credentials, as a
             careless error page does: the Authorization header and a client_secret in the
             body, in an error body's title and detail (`service` style) or, for a 2xx status,
             in a JSON object; and in an `x-echo` response header
"""
import itertools
import re
import threading

KINDS = ("status", "drop", "hang", "slow", "malformed", "truncate", "huge", "redirect", "echo")
_ids = itertools.count(1)


class FaultError(Exception):
    pass


def path_match(pattern, path):
    """"/exact", "/prefix*", or "*" anywhere, each standing for any run of characters
    ("/api/v1/apps/*/publish": the publish of any app)."""
    if pattern is None or pattern == "":
        return True
    if "*" in pattern[:-1]:
        return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), path) is not None
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def host_match(pattern, host):
    return not pattern or pattern.lower() == host.lower()


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.faults = []
            self.latency_ms = 0
            self.latency_rules = []

    def add(self, spec):
        if not isinstance(spec, dict):
            raise FaultError("a fault is a JSON object")
        allowed = {"kind", "host", "method", "path", "count", "skip", "status", "retry_after",
                   "code", "title", "detail", "service", "body", "ms", "size", "location",
                   "seconds"}
        bad = set(spec) - allowed
        if bad:
            raise FaultError("unknown fault key(s) %s; allowed: %s" % (sorted(bad), sorted(allowed)))
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultError("kind must be one of %s" % ", ".join(KINDS))
        f = dict(spec)
        f.setdefault("count", 1)
        f.setdefault("skip", 0)
        for k in ("count", "skip", "ms", "size", "status", "retry_after", "seconds"):
            if k in f and (isinstance(f[k], bool) or not isinstance(f[k], (int, float)) or f[k] < 0):
                raise FaultError("%s must be a non-negative number" % k)
        if f.get("method"):
            f["method"] = f["method"].upper()
        if kind == "status":
            if not 100 <= int(f.get("status", 0)) <= 599:
                raise FaultError("status fault needs a status 100..599")
        elif kind == "redirect":
            f.setdefault("status", 302)
            if int(f["status"]) not in (301, 302, 303, 307, 308):
                raise FaultError("redirect status must be 301, 302, 303, 307 or 308")
            if not isinstance(f.get("location"), str) or not f["location"]:
                raise FaultError("redirect fault needs a location")
        elif kind == "echo":
            f.setdefault("status", 400)
            if not (200 <= int(f["status"]) <= 299 or 400 <= int(f["status"]) <= 599):
                raise FaultError("echo status must be 2xx, 4xx or 5xx")
        elif kind == "slow":
            f.setdefault("ms", 1000)
        elif kind == "huge":
            f.setdefault("size", 10 * 1024 * 1024)
            if f["size"] < 16:
                raise FaultError("huge size must be at least 16 bytes")
        with self.lock:
            f["id"] = next(_ids)
            f["hits"] = 0
            self.faults.append(f)
        return dict(f)

    def clear(self):
        with self.lock:
            n = len(self.faults)
            self.faults = []
            return n

    def list(self):
        with self.lock:
            return [dict(f) for f in self.faults]

    def take(self, host, method, path):
        """The fault to apply to this request, consuming one use of it, or None."""
        with self.lock:
            for f in self.faults:
                if f["count"] <= 0:
                    continue
                if not host_match(f.get("host"), host) or not path_match(f.get("path"), path):
                    continue
                if f.get("method") and f["method"] != method:
                    continue
                if f["skip"] > 0:
                    f["skip"] -= 1
                    continue
                f["count"] -= 1
                f["hits"] += 1
                out = dict(f)
                self.faults = [x for x in self.faults if x["count"] > 0]
                return out
        return None

    # ---- latency -------------------------------------------------------------------------

    def set_latency(self, spec):
        if not isinstance(spec, dict):
            raise FaultError("latency is a JSON object")
        bad = set(spec) - {"ms", "host", "path", "method"}
        if bad:
            raise FaultError("unknown latency key(s) %s" % sorted(bad))
        ms = spec.get("ms")
        if isinstance(ms, bool) or not isinstance(ms, (int, float)) or ms < 0:
            raise FaultError("ms must be a non-negative number")
        with self.lock:
            scoped = {k: spec[k] for k in ("host", "path", "method") if spec.get(k)}
            if "method" in scoped:
                scoped["method"] = scoped["method"].upper()
            if not scoped:
                self.latency_ms = ms
            else:
                self.latency_rules = [r for r in self.latency_rules
                                      if {k: r.get(k) for k in ("host", "path", "method") if r.get(k)} != scoped]
                if ms > 0:
                    self.latency_rules.append(dict(scoped, ms=ms))
            return self.latency_state()

    def latency_state(self):
        return {"ms": self.latency_ms, "rules": [dict(r) for r in self.latency_rules]}

    def clear_latency(self):
        with self.lock:
            self.latency_ms = 0
            self.latency_rules = []

    def latency_for(self, host, method, path):
        """Milliseconds to wait: the first matching scoped rule, else the global value."""
        with self.lock:
            for r in self.latency_rules:
                if host_match(r.get("host"), host) and path_match(r.get("path"), path) \
                        and (not r.get("method") or r["method"] == method):
                    return r["ms"]
            return self.latency_ms


FAULTS = Faults()
