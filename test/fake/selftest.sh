#!/usr/bin/env bash
# End-to-end self-test of the fake Qlik Cloud over real HTTPS with curl.
#
#   test/fake/selftest.sh            (needs bash, curl, openssl, python3)
#
# Starts its own fake on free loopback ports with throwaway certificates, runs the checks,
# stops the fake, prints "N passed, M failed" and exits non-zero if anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# The real interpreter, without site (a pyenv shim plus site imports cost ~0.5 s a start;
# this script starts Python ~200 times). fakectl and the helpers need only the stdlib.
PY=$(python3 -c 'import sys; print(sys.executable)')
fakectl() { "$PY" -S "$here/../fakectl" "$@"; }
T=$(mktemp -d)
FAKE_PID=
cleanup() {
    if [ -n "$FAKE_PID" ] && kill -0 "$FAKE_PID" 2>/dev/null; then kill "$FAKE_PID"; fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" == "$3" ]; then ok; else bad "$1: expected [$2], got [$3]"; fi; }
# jget FILE PYTHON-EXPR-ON-d  (prints the value; JSON for non-strings; newlines as \n)
# One Python process answers every jget through two FIFOs: starting Python per check cost
# ~50 ms on slow machines, and the checks run hundreds of them.
mkfifo "$T/jget.in" "$T/jget.out"
"$PY" -S -u -c '
import json, sys
inp, out = open(sys.argv[1]), open(sys.argv[2], "w")
for line in inp:
    f, expr = line.rstrip("\n").split("\t", 1)
    try:
        d = json.load(open(f))
        v = eval(expr, {"d": d, "json": json})
    except Exception as e:
        v = "<error: %s>" % e
    v = v if isinstance(v, str) else json.dumps(v)
    out.write(v.replace("\n", "\\n") + "\n")
    out.flush()
' "$T/jget.in" "$T/jget.out" &
exec 7>"$T/jget.in" 8<"$T/jget.out"
jget() {
    local line
    printf '%s\t%s\n' "$1" "${2//$'\n'/ }" >&7
    IFS= read -r line <&8
    printf '%s\n' "$line"
}

"$here/gencerts.sh" "$T/certs" >/dev/null || { echo "gencerts failed"; exit 1; }
cat >"$T/seed.json" <<'EOF'
{"regions":[{"region":"us","clients":[{"client_id":"region-us","client_secret":"rsecret","name":"Regional Bot"}]},
            {"region":"eu","clients":[{"client_id":"region-eu","client_secret":"esecret"}]}],
 "tenants":[{"hostnames":["acme.us.qlikcloud.com","acme-alias.us.qlikcloud.com"],"name":"Acme",
             "clients":[{"client_id":"acme-m2m","client_secret":"asecret","name":"Acme M2M","roles":[]}],"users":45},
            {"hostname":"beta.us.qlikcloud.com","users":[{"subject":"auth0|b1","name":"Only Beta","email":"b@beta.example"}]},
            {"hostname":"euro.eu.qlikcloud.com","users":1}]}
EOF
python3 "$here/qlikfake.py" --listen 127.0.0.1:0 --control 127.0.0.1:0 \
    --cert "$T/certs/server.crt" --key "$T/certs/server.key" \
    --port-file "$T/ports.json" --seed "$T/seed.json" 2>"$T/fake.err" &
FAKE_PID=$!
for _ in $(seq 100); do [ -s "$T/ports.json" ] && break; sleep 0.05; done
[ -s "$T/ports.json" ] || { echo "fake did not start"; cat "$T/fake.err"; exit 1; }
PORT=$(jget "$T/ports.json" 'd["https_port"]')
# Talk to this script's own fake, whatever the caller's environment names.
unset QLIKFAKE_CONTROL
export QLIKFAKE_PORT_FILE="$T/ports.json"
check "port file pid" "$FAKE_PID" "$(jget "$T/ports.json" 'd["pid"]')"

ACME=acme.us.qlikcloud.com
CURL=(curl -sS --cacert "$T/certs/ca.crt" --connect-to "::127.0.0.1:$PORT" --max-time 20)
# call ARGS... : runs curl; sets CODE and RC; body in $T/b, headers in $T/h
call() {
    CODE=$("${CURL[@]}" -o "$T/b" -D "$T/h" -w '%{http_code}' "$@" 2>"$T/curl.err")
    RC=$?
}
hdr() { tr -d '\r' <"$T/h" | awk -v IGNORECASE=1 -v n="$1" 'BEGIN{FS=": "} tolower($1)==tolower(n){print $2}' | tail -1; }
token() { # token HOST CLIENT SECRET : sets CODE, and TOKV to the access token
    call "https://$1/oauth/token" -H 'Content-Type: application/json' \
        -d "{\"client_id\":\"$2\",\"client_secret\":\"$3\",\"grant_type\":\"client_credentials\"}"
    TOKV=$(jget "$T/b" 'd.get("access_token")')
}

# ---- OAuth tokens -------------------------------------------------------------------------
call "https://$ACME/oauth/token" -H 'Content-Type: application/json' \
    -d '{"client_id":"region-us","client_secret":"rsecret","grant_type":"client_credentials"}'
check "token json 200" 200 "$CODE"
check "token type" bearer "$(jget "$T/b" 'd["token_type"]')"
check "token expires_in" 21600 "$(jget "$T/b" 'd["expires_in"]')"
check "token expires_at" True "$(jget "$T/b" 'str(d["expires_at"].endswith("Z"))')"
check "token no-store" no-store "$(hdr Cache-Control)"
TOK=$(jget "$T/b" 'd["access_token"]')
call "https://$ACME/oauth/token" -d 'client_id=region-us&client_secret=rsecret&grant_type=client_credentials&scope=user_default'
check "token form 200" 200 "$CODE"
check "token scope echoed" user_default "$(jget "$T/b" 'd["scope"]')"
call "https://$ACME/oauth/token" -H 'Content-Type: application/json' \
    -d '{"client_id":"region-us","client_secret":"nope","grant_type":"client_credentials"}'
check "wrong secret 401" 401 "$CODE"
check "oauth error status is a string" True "$(jget "$T/b" 'str(d["errors"][0]["status"] == "401")')"
check "oauth error has no traceId" False "$(jget "$T/b" 'str("traceId" in d)')"
call "https://$ACME/oauth/token" -H 'Content-Type: application/json' \
    -d '{"client_id":"ghost","client_secret":"x","grant_type":"client_credentials"}'
check "unknown client 401" 401 "$CODE"
call "https://$ACME/oauth/token" -H 'Content-Type: application/json' -d '{"client_id":"region-us","grant_type":"client_credentials"}'
check "missing secret 400" 400 "$CODE"
call "https://$ACME/oauth/token" -H 'Content-Type: application/json' -d '{"client_id":"region-us","client_secret":"rsecret","grant_type":"password"}'
check "bad grant 400" 400 "$CODE"
check "bad grant title" unsupported_grant_type "$(jget "$T/b" 'd["errors"][0]["title"]')"
call "https://$ACME/oauth/token" -H 'Content-Type: application/json' -d '{"client_id":'
check "bad json 400" 400 "$CODE"
call "https://$ACME/oauth/token" -H 'Content-Type: text/plain' -d 'hello'
check "wrong content type 400" 400 "$CODE"
token register.us.qlikcloud.com region-us rsecret; REG=$TOKV
check "region client on register host" 200 "$CODE"
token register.us.qlikcloud.com acme-m2m asecret
check "tenant client on register host 401" 401 "$CODE"
token beta.us.qlikcloud.com acme-m2m asecret 
check "tenant client on other tenant 401" 401 "$CODE"
token euro.eu.qlikcloud.com region-us rsecret >/dev/null
check "us region client on eu tenant 401" 401 "$CODE"
token euro.eu.qlikcloud.com region-eu esecret >/dev/null
check "eu region client on eu tenant" 200 "$CODE"
token $ACME acme-m2m asecret; M2M=$TOKV
check "tenant client on its tenant" 200 "$CODE"

# ---- bearer auth ----------------------------------------------------------------------------
AUTH=(-H "Authorization: Bearer $TOK")
call "https://$ACME/api/v1/tenants/me" "${AUTH[@]}"
check "tenants/me 302" 302 "$CODE"
TID=$("$PY" -S -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin)["tenants"] if t["name"]=="Acme"][0])' < <(fakectl GET /state))
check "tenants/me relative Location" "/api/v1/tenants/$TID" "$(hdr Location)"
check "redirect body is html" "text/html; charset=utf-8" "$(hdr Content-Type)"
call -L "https://$ACME/api/v1/tenants/me" "${AUTH[@]}"
check "tenants/me -L 200" 200 "$CODE"
check "tenant id" "$TID" "$(jget "$T/b" 'd["id"]')"
check "tenant hostnames" '["acme.us.qlikcloud.com", "acme-alias.us.qlikcloud.com"]' "$(jget "$T/b" 'd["hostnames"]')"
check "tenant datacenter" us-east-1 "$(jget "$T/b" 'd["datacenter"]')"
call "https://acme-alias.us.qlikcloud.com/api/v1/tenants/$TID" "${AUTH[@]}"
check "token valid on alias host" 200 "$CODE"
call "https://ACME.US.QLIKCLOUD.COM/api/v1/tenants/$TID" "${AUTH[@]}"
check "host is case-insensitive" 200 "$CODE"
call "https://$ACME/api/v1/tenants/someoneelse" "${AUTH[@]}"
check "other tenant id 404" 404 "$CODE"
check "TENANTS-8" TENANTS-8 "$(jget "$T/b" 'd["errors"][0]["code"]')"
check "tenants status string" True "$(jget "$T/b" 'str(d["errors"][0]["status"] == "404")')"
call "https://register.us.qlikcloud.com/api/v1/tenants/$TID" -H "Authorization: Bearer $REG"
check "register host reads its region's tenant" 200 "$CODE"
call "https://beta.us.qlikcloud.com/api/v1/tenants/me" "${AUTH[@]}"
check "foreign token 401" 401 "$CODE"
call "https://$ACME/api/v1/tenants/me" -H "Authorization: Bearer $REG"
check "register token on tenant 401" 401 "$CODE"
call "https://$ACME/api/v1/tenants/me"
check "no token 401" 401 "$CODE"
check "401 traceId" 32 "$(jget "$T/b" 'len(d["traceId"])')"
call "https://$ACME/api/v1/tenants/me" -H "Authorization: Bearer garbage"
check "garbage token 401" 401 "$CODE"

# ---- users --------------------------------------------------------------------------------
call "https://$ACME/api/v1/users/me" "${AUTH[@]}"
check "users/me 301" 301 "$CODE"
LOC=$(hdr Location)
check "users/me absolute Location" True "$("$PY" -S -c "print('$LOC'.startswith('https://$ACME/api/v1/users/'))")"
call -L "https://$ACME/api/v1/users/me" "${AUTH[@]}"
check "users/me -L 200" 200 "$CODE"
check "bot roles" '["TenantAdmin"]' "$(jget "$T/b" 'd["roles"]')"
check "bot assignedRoles" TenantAdmin "$(jget "$T/b" 'd["assignedRoles"][0]["name"]')"
check "bot clientId" region-us "$(jget "$T/b" 'd["clientId"]')"
check "bot name" "Regional Bot" "$(jget "$T/b" 'd["name"]')"
check "bot subject" True "$(jget "$T/b" 'str(d["subject"].startswith("qlikbot\\") and len(d["subject"]) == 40)')"
check "user tenantId" "$TID" "$(jget "$T/b" 'd["tenantId"]')"
check "user self link" "$LOC" "$(jget "$T/b" 'd["links"]["self"]["href"]')"
BOT=$(jget "$T/b" 'd["id"]')
call -L "https://$ACME/api/v1/users/me" "${AUTH[@]}"
check "same bot on second token" "$BOT" "$(jget "$T/b" 'd["id"]')"
call "https://$ACME/api/v1/users/000000000000000000000000" "${AUTH[@]}"
check "unknown user 404" 404 "$CODE"
check "USERS-7" USERS-7 "$(jget "$T/b" 'd["errors"][0]["code"]')"
check "users status number" 404 "$(jget "$T/b" 'd["errors"][0]["status"]')"

# 45 seeded + the regional bot + the m2m bot = 47 users; page through 10 at a time.
"$PY" -S - "$T" "$PORT" "$TOK" <<'PY' >"$T/paging.out" 2>&1
import json, ssl, sys, http.client, urllib.parse
T, port, tok = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=T + "/certs/ca.crt")
class Conn(http.client.HTTPSConnection):
    def connect(self):   # connect to the fake, keep SNI/Host = the Qlik name
        import socket
        sock = socket.create_connection(("127.0.0.1", port))
        self.sock = ctx.wrap_socket(sock, server_hostname=self.host)
def get(url):
    u = urllib.parse.urlsplit(url)
    c = Conn(u.hostname)
    c.request("GET", u.path + ("?" + u.query if u.query else ""), headers={"Authorization": "Bearer " + tok})
    r = c.getresponse()
    return r.status, json.loads(r.read())
url = "https://acme.us.qlikcloud.com/api/v1/users?limit=10&totalResults=true"
ids, pages, first = [], 0, None
while url:
    st, d = get(url)
    assert st == 200, (st, d)
    assert d["totalResults"] == 47, d["totalResults"]
    pages += 1
    if pages == 1:
        first = [u["id"] for u in d["data"]]
        assert "prev" not in d["links"]
    if pages == 2:
        st, back = get(d["links"]["prev"]["href"])
        assert [u["id"] for u in back["data"]] == first, "prev does not lead back to page 1"
    names = [u["name"] for u in d["data"]]
    ids += [u["id"] for u in d["data"]]
    url = d["links"].get("next", {}).get("href")
    assert url is None or url.startswith("https://acme.us.qlikcloud.com/api/v1/users?")
assert pages == 5, pages
assert len(ids) == 47 and len(set(ids)) == 47
st, d = get("https://acme.us.qlikcloud.com/api/v1/users?limit=100")
names = [u["name"] for u in d["data"]]
assert names == sorted(names), "default sort is +name"
st, d = get("https://acme.us.qlikcloud.com/api/v1/users?limit=100&sort=-createdAt")
c = [u["createdAt"] for u in d["data"]]
assert c == sorted(c, reverse=True)
print("paging ok")
PY
check "paging across pages" "paging ok" "$(tail -1 "$T/paging.out")"
U="https://$ACME/api/v1/users"
call -G "$U" --data-urlencode 'filter=email eq "ADMIN@acme.example.com"' "${AUTH[@]}"
check "filter email eq (case-insensitive)" '["Tenant Admin"]' "$(jget "$T/b" '[u["name"] for u in d["data"]]')"
check "first user is TenantAdmin" '["TenantAdmin"]' "$(jget "$T/b" 'd["data"][0]["roles"]')"
call -G "$U" --data-urlencode 'filter=name co "bob" and status eq "active"' --data-urlencode limit=100 "${AUTH[@]}"
check "filter co + and" True "$(jget "$T/b" 'str(len(d["data"]) > 0 and all("bob" in u["name"].lower() and u["status"] == "active" for u in d["data"]))')"
call -G "$U" --data-urlencode 'filter=assignedRoles.name eq "TenantAdmin"' --data-urlencode limit=100 "${AUTH[@]}"
check "filter assignedRoles.name" 2 "$(jget "$T/b" 'len(d["data"])')"
call -G "$U" --data-urlencode 'filter=clientId eq "acme-m2m"' "${AUTH[@]}"
check "filter clientId" '["Acme M2M"]' "$(jget "$T/b" '[u["name"] for u in d["data"]]')"
call -G "$U" --data-urlencode 'filter=name eq "Bob" or name eq "Alice" and (status eq "active")' "${AUTH[@]}"
check "ungrouped status filter 400" 400 "$CODE"
call -G "$U" --data-urlencode 'filter=picture eq "x"' "${AUTH[@]}"
check "unfilterable attribute 400" 400 "$CODE"
call -G "$U" --data-urlencode 'filter=name eq' "${AUTH[@]}"
check "filter syntax 400" 400 "$CODE"
call "$U?limit=0" "${AUTH[@]}"
check "limit 0 400" 400 "$CODE"
call "$U?limit=101" "${AUTH[@]}"
check "limit 101 400" 400 "$CODE"
call "$U?limit=abc" "${AUTH[@]}"
check "limit abc 400" 400 "$CODE"
call "$U?limit=100" "${AUTH[@]}"
check "limit 100 ok" 200 "$CODE"
call "$U?sort=shoesize" "${AUTH[@]}"
check "bad sort 400" 400 "$CODE"
call "$U?next=abc&prev=def" "${AUTH[@]}"
check "next+prev 400" 400 "$CODE"
call "$U?next=!!!" "${AUTH[@]}"
check "bad cursor 400" 400 "$CODE"
call "$U?totalResults=maybe" "${AUTH[@]}"
check "bad totalResults 400" 400 "$CODE"
call "$U?limit=2&fields=id,name" "${AUTH[@]}"
check "fields projection" '["id", "name"]' "$(jget "$T/b" 'sorted(d["data"][0])')"

# ---- admin APIs: licenses, tenants, roles, users, groups, web integrations, IdPs ------------
. "$here/selftest_admin.sh"

# ---- Organization APIs: the console host's tenant list ---------------------------------------
. "$here/selftest_org.sh"

# ---- content APIs: spaces, items, temporary contents, apps ----------------------------------
. "$here/selftest_content.sh"

# ---- reloads and reload tasks -----------------------------------------------------------------
. "$here/selftest_reloads.sh"

# ---- JWT session login, cookie sessions, CSRF ------------------------------------------------
. "$here/selftest_login.sh"

# ---- routing errors ---------------------------------------------------------------------
call "https://$ACME/api/v1/nothing-here" "${AUTH[@]}"
check "unknown path 404" 404 "$CODE"
call -X DELETE "https://$ACME/api/v1/users/me" "${AUTH[@]}"
check "wrong method 405" 405 "$CODE"
check "405 Allow" GET "$(hdr Allow)"
call "https://$ACME/api/v1/spaces/x/shares" "${AUTH[@]}"
check "spec op not implemented 501" 501 "$CODE"
call "https://$ACME/api/v1/automations" "${AUTH[@]}"
check "an API of Qlik beyond the specs 501" 501 "$CODE"
call "https://$ACME/api/v1/users/000000000000000000000000" "${AUTH[@]}"
check "unknown object on a served path still 404" 404 "$CODE"
call "https://$ACME//api/v1/users/me"
check "a doubled slash is one slash (authenticated: 401)" 401 "$CODE"
call "https://$ACME//api//v1/users/me" "${AUTH[@]}"
check "a doubled slash is one slash (served)" 301 "$CODE"
call "https://nosuchtenant.us.qlikcloud.com/api/v1/users/me" "${AUTH[@]}"
check "unknown tenant host 401" 401 "$CODE"
check "unknown tenant host code" LOGIN-2 "$(jget "$T/b" 'd["errors"][0]["code"]')"
call "https://other.example.com/anything"
check "non-Qlik host 404" 404 "$CODE"

# ---- token expiry -----------------------------------------------------------------------
fakectl POST /tokens/expire "{\"host\":\"$ACME\"}" >/dev/null
call "https://$ACME/api/v1/tenants/$TID" "${AUTH[@]}"
check "expired token 401" 401 "$CODE"
check "expired detail" "token expired" "$(jget "$T/b" 'd["errors"][0]["detail"]')"
call "https://register.us.qlikcloud.com/api/v1/tenants/$TID" -H "Authorization: Bearer $REG"
check "expire by host leaves others" 200 "$CODE"
fakectl POST /config '{"token_lifetime":2}' >/dev/null
token $ACME region-us rsecret; TOK=$TOKV
check "short lifetime expires_in" 2 "$(jget "$T/b" 'd["expires_in"]')"
AUTH=(-H "Authorization: Bearer $TOK")
call "https://$ACME/api/v1/tenants/$TID" "${AUTH[@]}"
check "fresh token works" 200 "$CODE"
sleep 2.1
call "https://$ACME/api/v1/tenants/$TID" "${AUTH[@]}"
check "token expires after lifetime" 401 "$CODE"
fakectl POST /config '{"token_lifetime":21600}' >/dev/null
token $ACME region-us rsecret; TOK=$TOKV
AUTH=(-H "Authorization: Bearer $TOK")

# ---- rate limits ------------------------------------------------------------------------
fakectl POST /config '{"rate_limits":{"window":60,"tier1":3,"tier2":2}}' >/dev/null
for i in 1 2 3; do call "https://$ACME/api/v1/tenants/$TID" "${AUTH[@]}"; check "tier1 call $i" 200 "$CODE"; done
call "https://$ACME/api/v1/tenants/$TID" "${AUTH[@]}"
check "tier1 4th call 429" 429 "$CODE"
check "429 code" HTTP-429 "$(jget "$T/b" 'd["errors"][0]["code"]')"
RA=$(hdr retry-after)
check "retry-after integer in 1..60" True "$("$PY" -S -c "print(1 <= int('$RA') <= 60)")"
check "429 detail" "You need to wait $RA seconds until limit is lifted." "$(jget "$T/b" 'd["errors"][0]["detail"]')"
call "https://$ACME/api/v1/users/$BOT" "${AUTH[@]}"
check "whole tier blocked" 429 "$CODE"
token $ACME acme-m2m asecret; M2M=$TOKV
call "https://$ACME/api/v1/users/$BOT" -H "Authorization: Bearer $M2M"
check "other user unaffected" 200 "$CODE"
token $ACME acme-m2m asecret; check "oauth tier2 call 2" 200 "$CODE"
token $ACME acme-m2m asecret
check "oauth tier2 3rd call 429" 429 "$CODE"
check "oauth 429 retry-after" True "$("$PY" -S -c "print(int('$(hdr retry-after)') >= 1)")"
token beta.us.qlikcloud.com region-us rsecret >/dev/null
check "limits are per tenant" 200 "$CODE"
fakectl POST /config '{"rate_limits":{"enabled":false}}' >/dev/null
call "https://$ACME/api/v1/tenants/$TID" "${AUTH[@]}"
check "rate limits off" 200 "$CODE"
fakectl POST /config '{"rate_limits":{"enabled":true,"window":300,"tier1":1000,"tier2":100}}' >/dev/null

# ---- deactivated tenant -----------------------------------------------------------------
fakectl POST /tenants/status "{\"hostname\":\"$ACME\",\"status\":\"disabled\"}" >/dev/null
token $ACME region-us rsecret >/dev/null
check "disabled tenant token 401" 401 "$CODE"
check "disabled code" TENANT_DEACTIVATED "$(jget "$T/b" 'd["errors"][0]["code"]')"
check "disabled status string" True "$(jget "$T/b" 'str(d["errors"][0]["status"] == "401")')"
check "disabled title" "Tenant has been deactivated. Contact your administrator for more details." "$(jget "$T/b" 'd["errors"][0]["title"]')"
call "https://$ACME/api/v1/users/me" "${AUTH[@]}"
check "disabled tenant api 401" 401 "$CODE"
fakectl POST /config '{"deactivated_code":"TENANT_DISABLED"}' >/dev/null
call "https://acme-alias.us.qlikcloud.com/api/v1/users/me" "${AUTH[@]}"
check "deactivated code configurable" TENANT_DISABLED "$(jget "$T/b" 'd["errors"][0]["code"]')"
fakectl POST /tenants/status "{\"id\":\"$TID\",\"status\":\"active\"}" >/dev/null
call "https://$ACME/api/v1/users/me" "${AUTH[@]}"
check "reactivated" 301 "$CODE"

# ---- faults -----------------------------------------------------------------------------
TM="https://$ACME/api/v1/tenants/$TID"
fakectl POST /faults "{\"kind\":\"status\",\"status\":503,\"path\":\"/api/v1/tenants/*\",\"count\":2}" >/dev/null
call "$TM" "${AUTH[@]}"; check "fault 503 #1" 503 "$CODE"
call "$TM" "${AUTH[@]}"; check "fault 503 #2" 503 "$CODE"
call "$TM" "${AUTH[@]}"; check "fault used up" 200 "$CODE"
fakectl POST /faults '{"kind":"status","status":429,"retry_after":7}' >/dev/null
call "$TM" "${AUTH[@]}"; check "fault 429" 429 "$CODE"; check "fault retry-after" 7 "$(hdr retry-after)"
fakectl POST /faults '{"kind":"status","status":500,"skip":1,"method":"GET"}' >/dev/null
call "$TM" "${AUTH[@]}"; check "fault skip lets one through" 200 "$CODE"
call "$TM" "${AUTH[@]}"; check "fault after skip" 500 "$CODE"
fakectl POST /faults '{"kind":"status","status":502,"host":"beta.us.qlikcloud.com"}' >/dev/null
call "$TM" "${AUTH[@]}"; check "fault host filter" 200 "$CODE"
fakectl DELETE /faults >/dev/null
call "$TM" "${AUTH[@]}"; check "faults cleared" 200 "$CODE"
fakectl POST /faults '{"kind":"drop"}' >/dev/null
call "$TM" "${AUTH[@]}"; check "drop: curl sees an empty reply" 52 "$RC"
fakectl POST /faults '{"kind":"malformed"}' >/dev/null
call "$TM" "${AUTH[@]}"; check "malformed 200" 200 "$CODE"
check "malformed is not JSON" True "$("$PY" -S -c "import json,sys
try: json.load(open('$T/b')); print(False)
except ValueError: print(True)")"
fakectl POST /faults '{"kind":"truncate"}' >/dev/null
call "$TM" "${AUTH[@]}"; check "truncate: curl sees a partial body" 18 "$RC"
fakectl POST /faults '{"kind":"huge","size":5000000}' >/dev/null
call "$TM" "${AUTH[@]}"
check "huge size" 5000000 "$(stat -c %s "$T/b")"
check "huge is JSON" 4999989 "$(jget "$T/b" 'len(d["data"])')"
fakectl POST /faults '{"kind":"slow","ms":400}' >/dev/null
S=$(date +%s%N); call "$TM" "${AUTH[@]}"; E=$(( ($(date +%s%N) - S) / 1000000 ))
check "slow answers" 200 "$CODE"; check "slow waits" True "$([ $E -ge 400 ] && echo True || echo False)"
fakectl POST /faults '{"kind":"hang"}' >/dev/null
S=$(date +%s); call --max-time 1 "$TM" "${AUTH[@]}"
check "hang: client times out" 28 "$RC"
call "$TM" "${AUTH[@]}"; check "fake still answers after hang" 200 "$CODE"
fakectl POST /faults '{"kind":"hang","seconds":0.5}' >/dev/null
call --max-time 5 "$TM" "${AUTH[@]}"; check "bounded hang closes" 52 "$RC"
fakectl POST /faults '{"kind":"redirect","status":307,"location":"https://other.example.com/elsewhere"}' >/dev/null
call -L "$TM" "${AUTH[@]}"
check "redirect to other host followed" 404 "$CODE"
fakectl GET '/requests?host=other.example.com&last=1' >"$T/req.json"
check "curl did not send the token to the other host" False \
    "$(jget "$T/req.json" 'str(any(h[0].lower() == "authorization" for h in d["requests"][0]["headers"]))')"
fakectl POST /faults '{"kind":"echo","path":"/api/v1/tenants/*"}' >/dev/null
call "$TM" "${AUTH[@]}"; check "echo default status" 400 "$CODE"
check "echo: the token in the title" "Request rejected: Authorization: Bearer $TOK" "$(jget "$T/b" 'd["errors"][0]["title"]')"
check "echo: the token in the detail" "The request carried Authorization: Bearer $TOK" "$(jget "$T/b" 'd["errors"][0]["detail"]')"
check "echo: the token in a header" "Authorization: Bearer $TOK" "$(tr -d '\r' <"$T/h" | sed -n 's/^[xX]-[eE]cho: //p')"
fakectl POST /faults '{"kind":"echo","status":200,"path":"/api/v1/tenants/*"}' >/dev/null
call "$TM" "${AUTH[@]}"; check "echo 200" 200 "$CODE"
check "echo 200: the token in the body" "Authorization: Bearer $TOK" "$(jget "$T/b" 'd["echo"]')"
fakectl POST /faults '{"kind":"echo","status":401,"service":"oauth","path":"/oauth/token"}' >/dev/null
call "https://$ACME/oauth/token" -H 'Content-Type: application/json' \
    -d '{"client_id":"region-us","client_secret":"rsecret","grant_type":"client_credentials"}'
check "echo on the token endpoint" 401 "$CODE"
check "echo: the client secret in the title" "Request rejected: client_secret=rsecret" "$(jget "$T/b" 'd["errors"][0]["title"]')"
check "echo: oauth style, no traceId" False "$(jget "$T/b" 'str("traceId" in d)')"
fakectl POST /faults '{"kind":"echo","path":"/oauth/token"}' >/dev/null
call "https://$ACME/oauth/token" -d 'client_id=region-us&client_secret=rsecret&grant_type=client_credentials'
check "echo: the client secret of a form" "client_secret=rsecret" "$(tr -d '\r' <"$T/h" | sed -n 's/^[xX]-[eE]cho: //p')"
check "echo status must be 2xx, 4xx or 5xx" 1 "$(fakectl POST /faults '{"kind":"echo","status":302}' >/dev/null 2>&1; echo $?)"
fakectl POST /latency '{"ms":300,"path":"/api/v1/tenants/*"}' >/dev/null
S=$(date +%s%N); call "$TM" "${AUTH[@]}"; E=$(( ($(date +%s%N) - S) / 1000000 ))
check "path latency" True "$([ $E -ge 300 ] && echo True || echo False)"
fakectl DELETE /latency >/dev/null

# ---- counters and request log ------------------------------------------------------------
fakectl POST /counters/reset >/dev/null
for i in 1 2 3; do call "$TM" "${AUTH[@]}"; done
check "fakectl count" 3 "$(fakectl count $ACME "/api/v1/tenants/*" GET 200)"
check "fakectl count any host" 3 "$(fakectl count "" /api/v1/tenants/$TID)"
check "fakectl count 2xx" 3 "$(fakectl count - - - 2xx)"
token $ACME region-us rsecret >/dev/null
fakectl GET "/requests?path=/oauth/token&last=1" >"$T/req.json"
check "log redacts client_secret" '<redacted>' "$(jget "$T/req.json" 'json.loads(d["requests"][0]["body"])["client_secret"]')"
check "log records SNI" $ACME "$(jget "$T/req.json" 'd["requests"][0]["sni"]')"
fakectl GET "/requests?path=/api/v1/tenants/*&last=1" >"$T/req.json"
check "log redacts bearer" 'Bearer <redacted>' "$(jget "$T/req.json" '[h[1] for h in d["requests"][0]["headers"] if h[0].lower()=="authorization"][0]')"
fakectl POST /seed '{"tenants":[{"hostname":"bad host"}]}' >/dev/null 2>&1
check "fakectl exits 1 on HTTP error" 1 "$?"

# ---- TLS, transport details -------------------------------------------------------------
curl -sS --cacert "$T/certs/other-ca.crt" --connect-to "::127.0.0.1:$PORT" -o /dev/null \
    "https://$ACME/api/v1/users/me" 2>/dev/null
check "wrong CA: certificate rejected" 60 "$?"
call "https://$ACME/api/v1/tenants/$TID" "${AUTH[@]}"
check "fake fine after a failed handshake" 200 "$CODE"
call "https://register.us.qlikcloud.com/api/v1/users/me" -H "Authorization: Bearer $REG"
check "no users API on register host" 404 "$CODE"
call "https://register.us.qlikcloud.com/api/v1/tenants/me" -H "Authorization: Bearer $REG"
check "no current tenant on register host" 404 "$CODE"
call "https://$ACME/oauth/token" -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
    -d '{"client_id":"region-us","client_secret":"rsecret","grant_type":"client_credentials"}'
check "chunked request body" 200 "$CODE"
call "https://$ACME/oauth/token" -H 'Expect: 100-continue' -H 'Content-Type: application/x-www-form-urlencoded' \
    -d 'client_id=region-us&client_secret=rsecret&grant_type=client_credentials'
check "Expect: 100-continue" 200 "$CODE"
call "https://$ACME/oauth/token" -H 'Content-Type: application/json' \
    -d '{"client_id":"region-us","client_secret":"rsecret","grant_type":"client_credentials"}' -H 'Connection: close'
check "Connection: close honoured" close "$(hdr Connection)"
pids=()
for j in 1 2 3 4; do
    ( u=(); for i in $(seq 50); do u+=(-o /dev/null "https://$ACME/api/v1/users?limit=5"); done
      "${CURL[@]}" "${AUTH[@]}" -w '%{http_code}\n' "${u[@]}" ) >"$T/par$j" &
    pids+=($!)
done
wait "${pids[@]}"
check "4 parallel keep-alive clients x 50" 200 "$(cat "$T"/par* | sort -u | tr '\n' ' ' | xargs)"
check "4 parallel clients: all answered" 200 "$(cat "$T"/par* | wc -l)"
"$PY" -S "$here/qlikfake.py" --cert "$T/certs/server.crt" --key "$T/certs/server.key" \
    --seed /nonexistent.json 2>/dev/null
check "bad --seed file exits 2" 2 "$?"
"$PY" -S "$here/qlikfake.py" --cert "$T/certs/server.crt" --key "$T/certs/server.key" \
    --control 0.0.0.0:0 2>/dev/null
check "non-loopback control refused" 2 "$?"

# ---- keep-alive speed -------------------------------------------------------------------
urls=()
for i in $(seq 200); do urls+=(-o /dev/null "$TM"); done
S=$(date +%s%N)
CONNS=$("${CURL[@]}" "${AUTH[@]}" -w '%{num_connects}\n' "${urls[@]}" | awk '{s+=$1} END {print s}')
E=$(( ($(date +%s%N) - S) / 1000000 ))
check "200 keep-alive requests use one connection" 1 "$CONNS"
check "200 keep-alive requests under 1 s (took ${E} ms)" True "$([ $E -lt 1000 ] && echo True || echo False)"
echo "keep-alive: 200 requests in ${E} ms" >&2

# ---- canned answers (last: it ends with a reset) ---------------------------------------------
. "$here/selftest_canned.sh"

# ---- shutdown with a hanging request -------------------------------------------------------
fakectl POST /faults '{"kind":"hang"}' >/dev/null
"${CURL[@]}" -o /dev/null "$TM" "${AUTH[@]}" 2>/dev/null &
CURL_PID=$!
sleep 0.3
S=$(date +%s%N)
kill -TERM "$FAKE_PID"
wait "$FAKE_PID" 2>/dev/null
check "exit status after SIGTERM" 0 "$?"
E=$(( ($(date +%s%N) - S) / 1000000 ))
check "SIGTERM exits promptly despite a hang (${E} ms)" True "$([ $E -lt 3000 ] && echo True || echo False)"
FAKE_PID=
wait "$CURL_PID" 2>/dev/null

if [ -s "$T/fake.err" ] && grep -q Traceback "$T/fake.err"; then bad "fake wrote a traceback"; cat "$T/fake.err" >&2; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
