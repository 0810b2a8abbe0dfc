"""Cursor paging as Qlik's list endpoints do it (users, roles, groups, spaces, ...).

The cursor is opaque to clients; here it is base64url JSON of the sort key of the last
(next) or first (prev) item of the page, so pages stay stable when items are added.
links.self/next/prev are ABSOLUTE URLs on the host the request came to: @qlik/api passes
links.next.href straight to fetch. next is absent on the last page, prev on the first.
"""
import base64
import json
import urllib.parse

from .errors import QlikError


def encode(sort, key):
    raw = json.dumps([sort, list(key)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor, sort, param):
    try:
        pad = "=" * (-len(cursor) % 4)
        s, key = json.loads(base64.urlsafe_b64decode(cursor + pad))
        if s != sort:
            raise ValueError("cursor was made for another sort order")
        return tuple(key)
    except (ValueError, TypeError, json.JSONDecodeError) as e:
        raise QlikError(400, "HTTP-400", "Bad Request", "invalid %s cursor: %s" % (param, e),
                        source={"parameter": param})


def page(ctx, items, keyfn, sort, descending, limit):
    """items: all matching items. keyfn(item) -> comparable tuple (unique per item).
    Returns the response's {"data": page items, "links": {...}} (data still raw)."""
    nxt, prv = ctx.arg("next"), ctx.arg("prev")
    if nxt is not None and prv is not None:
        raise QlikError(400, "HTTP-400", "Bad Request", "next and prev cannot be used together",
                        source={"parameter": "prev"})
    ordered = sorted(items, key=keyfn, reverse=descending)
    keys = [keyfn(i) for i in ordered]

    def after(k, ref):          # k comes after ref in output order
        return k < ref if descending else k > ref

    if nxt is not None:
        ref = decode(nxt, sort, "next")
        start = next((i for i, k in enumerate(keys) if after(k, ref)), len(keys))
        end = min(start + limit, len(keys))
    elif prv is not None:
        ref = decode(prv, sort, "prev")
        end = next((i for i, k in enumerate(keys) if not after(ref, k)), len(keys))
        start = max(0, end - limit)
    else:
        start, end = 0, min(limit, len(keys))
    chosen = ordered[start:end]
    links = {"self": {"href": _href(ctx, None)}}
    if chosen and end < len(keys):
        links["next"] = {"href": _href(ctx, ("next", encode(sort, keys[end - 1])))}
    if chosen and start > 0:
        links["prev"] = {"href": _href(ctx, ("prev", encode(sort, keys[start])))}
    return chosen, links


def _href(ctx, cursor):
    if cursor is None:
        return ctx.base + ctx.path + ("?" + ctx.query if ctx.query else "")
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(ctx.query, keep_blank_values=True)
             if k not in ("next", "prev")]
    pairs.append(cursor)
    return ctx.base + ctx.path + "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote, safe=",")
