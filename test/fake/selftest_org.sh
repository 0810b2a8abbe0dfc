# Sourced by selftest.sh (not run on its own): checks of the Organization APIs on the console
# host -- organization-level tokens, GET /api/core/tenants (subscription filter, dates,
# operators, sort, cursors, totalResults), GET /api/core/tenants/{id}, errors, tier.
#
# Uses selftest.sh's helpers: call, check, jget, token, fakectl, $T, $PY, $REG (refreshed here).

CH=console.qlikcloud.com
C="https://$CH/api/core/tenants"
fakectl POST /seed '{"organization":{"clients":[{"client_id":"org-client","client_secret":"osecret","name":"Org"}]},
  "tenants":[{"hostname":"orgsrc.us.qlikcloud.com","license":{"licenseNumber":"ORG-SUB-1","tenant_quota":5}},
             {"hostname":"nolicense.us.qlikcloud.com","license":null}]}' >"$T/seed-org.json"
check "seed answers the organization" "console.qlikcloud.com org-client" \
    "$(jget "$T/seed-org.json" 'd["organization"]["host"] + " " + d["organization"]["clients"][0]["client_id"]')"
SRC_ID=$(jget "$T/seed-org.json" 'd["tenants"][0]["id"]')
OKEY=$(jget "$T/seed-org.json" 'd["tenants"][0]["license"]["licenseKey"]')

# ---- tokens: organization clients on the console host only ----------------------------------
token $CH org-client osecret; OTOK=$TOKV
check "org client token on console" 200 "$CODE"
check "org token expires_in" 21600 "$(jget "$T/b" 'd["expires_in"]')"
token $CH region-us rsecret >/dev/null
check "regional client on console 401" 401 "$CODE"
token orgsrc.us.qlikcloud.com org-client osecret >/dev/null
check "org client on a tenant 401" 401 "$CODE"
token register.us.qlikcloud.com org-client osecret >/dev/null
check "org client on a register host 401" 401 "$CODE"
OAUTH=(-H "Authorization: Bearer $OTOK")
call "$C?filter=subscriptionId%20eq%20%22ORG-SUB-1%22"
check "no token 401" 401 "$CODE"
token register.us.qlikcloud.com region-us rsecret; REG=$TOKV
call "$C?filter=subscriptionId%20eq%20%22ORG-SUB-1%22" -H "Authorization: Bearer $REG"
check "register token on console 401" 401 "$CODE"
call "https://orgsrc.us.qlikcloud.com/api/core/tenants" "${OAUTH[@]}"
check "org token on a tenant 401" 401 "$CODE"

# ---- three tenants created with the subscription's key, a second apart -------------------
NEWIDS=()
for i in 1 2 3; do
    jcall POST "https://register.us.qlikcloud.com/api/v1/tenants" "{\"licenseKey\":\"$OKEY\"}" -H "Authorization: Bearer $REG"
    NEWIDS+=("$(jget "$T/b" 'd["id"]')")
    [ $i = 1 ] && FIRST_CREATED=$(jget "$T/b" 'd["created"]')
    sleep 1.1
done
check "three tenants created" 3 "${#NEWIDS[@]}"

F='subscriptionId%20eq%20%22ORG-SUB-1%22'
call "$C?filter=$F" "${OAUTH[@]}"
check "list 200" 200 "$CODE"
check "list: the source and its three tenants, oldest first" \
    "$(printf '%s ' "$SRC_ID" "${NEWIDS[@]}")" "$(jget "$T/b" '"".join(t["id"] + " " for t in d["data"])')"
check "tenant fields" True "$(jget "$T/b" 'str(all(k in d["data"][1] for k in ("id","originalId","name","status","createdAt","updatedAt","hostnames","regionCode","subscriptionId","links")))')"
check "regionCode, subscriptionId, status" "us-east-1 ORG-SUB-1 active" \
    "$(jget "$T/b" '" ".join([d["data"][1]["regionCode"], d["data"][1]["subscriptionId"], d["data"][1]["status"]])')"
check "self link on the console host" "$C/${NEWIDS[0]}" "$(jget "$T/b" 'd["data"][1]["links"]["self"]["href"]')"
check "no next link on the only page" False "$(jget "$T/b" 'str("next" in d["links"])')"
check "no totalResults unless asked" False "$(jget "$T/b" 'str("totalResults" in d)')"
call "$C/${NEWIDS[1]}" "${OAUTH[@]}"
check "get one 200" "200 ${NEWIDS[1]}" "$CODE $(jget "$T/b" 'd["id"]')"
call "$C/nosuchtenant" "${OAUTH[@]}"
check "get unknown 404" 404 "$CODE"
NOLIC=$(jget "$T/seed-org.json" 'd["tenants"][1]["id"]')
call "$C/$NOLIC" "${OAUTH[@]}"
check "a tenant in no subscription is not the organization's: 404" 404 "$CODE"

# ---- filters --------------------------------------------------------------------------------
call "$C?filter=$F%20and%20createdAt%20ge%20%22$FIRST_CREATED%22" "${OAUTH[@]}"
check "createdAt ge the first creation" 3 "$(jget "$T/b" 'len(d["data"])')"
CUT=$("$PY" -S -c "import datetime as d; t = d.datetime.fromisoformat('$FIRST_CREATED'.replace('Z', '+00:00')); print((t + d.timedelta(seconds=0.5)).isoformat())")
call "$C?filter=$F%20and%20createdAt%20gt%20%22${CUT//+/%2B}%22" "${OAUTH[@]}"
check "createdAt gt, another date form (+00:00)" 2 "$(jget "$T/b" 'len(d["data"])')"
call "$C?filter=$F%20and%20createdAt%20gt%20%22yesterday%22" "${OAUTH[@]}"
check "createdAt with a non-date 400" 400 "$CODE"
call "$C?filter=$F%20and%20id%20eq%20%22${NEWIDS[2]}%22" "${OAUTH[@]}"
check "id eq" "${NEWIDS[2]}" "$(jget "$T/b" '" ".join(t["id"] for t in d["data"])')"
call "$C?filter=$F%20and%20status%20ne%20%22active%22" "${OAUTH[@]}"
check "status ne active: none" 0 "$(jget "$T/b" 'len(d["data"])')"
call "$C?filter=$F%20and%20name%20co%20%22a%22" "${OAUTH[@]}"
check "name co: 400 (eq only)" 400 "$CODE"
call "$C?filter=$F%20and%20regionCode%20gt%20%22a%22" "${OAUTH[@]}"
check "regionCode gt: 400 (eq, ne only)" 400 "$CODE"
call "$C?filter=status%20eq%20%22active%22" "${OAUTH[@]}"
check "filter without subscriptionId 400" 400 "$CODE"
call "$C" "${OAUTH[@]}"
check "no filter 400" 400 "$CODE"
check "400 error shape" "HTTP-400 400" "$(jget "$T/b" 'd["errors"][0]["code"] + " " + d["errors"][0]["status"]')"
call "$C?filter=$F%20or%20status%20eq%20%22active%22" "${OAUTH[@]}"
check "subscriptionId only ORed: 400" 400 "$CODE"
call "$C?filter=subscriptionId%20eq%20%22OTHER%22" "${OAUTH[@]}"
check "another subscription: empty" "200 0" "$CODE $(jget "$T/b" 'len(d["data"])')"

# ---- paging, sort, totalResults ------------------------------------------------------------
call "$C?filter=$F&limit=3&totalResults=true" "${OAUTH[@]}"
check "limit 3 of 4, totalResults" "3 4" "$(jget "$T/b" '"%d %d" % (len(d["data"]), d["totalResults"])')"
NEXT=$(jget "$T/b" 'd["links"]["next"]["href"]')
check "next link absolute on the console host, cursor a 24-hex ObjectId" True \
    "$("$PY" -S -c "import re,sys; print(bool(re.fullmatch(r'https://$CH/api/core/tenants\?.*next=[0-9a-f]{24}', sys.argv[1])))" "$NEXT")"
call "$NEXT" "${OAUTH[@]}"
check "second page: the last one" "${NEWIDS[2]} False True" \
    "$(jget "$T/b" '" ".join([d["data"][0]["id"], str("next" in d["links"]), str("prev" in d["links"])])')"
call "$(jget "$T/b" 'd["links"]["prev"]["href"]')" "${OAUTH[@]}"
check "prev page" "$(printf '%s ' "$SRC_ID" "${NEWIDS[@]:0:2}")" "$(jget "$T/b" '"".join(t["id"] + " " for t in d["data"])')"
call "$C?filter=$F&sort=-createdAt&limit=1" "${OAUTH[@]}"
check "sort -createdAt" "${NEWIDS[2]}" "$(jget "$T/b" 'd["data"][0]["id"]')"
call "$C?filter=$F&sort=status,-createdAt&limit=1" "${OAUTH[@]}"
check "sort by two fields" "${NEWIDS[2]}" "$(jget "$T/b" 'd["data"][0]["id"]')"
call "$C?filter=$F&sort=shoesize" "${OAUTH[@]}"
check "bad sort 400" 400 "$CODE"
call "$C?filter=$F&limit=101" "${OAUTH[@]}"
check "limit 101: 400" 400 "$CODE"
call "$C?filter=$F&limit=0&totalResults=true" "${OAUTH[@]}"
check "limit 0: no data, the total" "0 4" "$(jget "$T/b" '"%d %d" % (len(d["data"]), d["totalResults"])')"
call "$C?filter=$F&next=000000000000000000000000" "${OAUTH[@]}"
check "unknown cursor 400" 400 "$CODE"
call "$C?filter=$F&totalResults=yes" "${OAUTH[@]}"
check "bad totalResults 400" 400 "$CODE"
call "$C/actions/count?filter=$F" "${OAUTH[@]}"
check "count: not implemented by the fake" 501 "$CODE"

# ---- deactivated, purged, feature off, tier ---------------------------------------------------
fakectl POST /tenants/status "{\"id\":\"${NEWIDS[0]}\",\"status\":\"disabled\"}" >/dev/null
call "$C?filter=$F%20and%20status%20eq%20%22disabled%22" "${OAUTH[@]}"
check "a deactivated tenant is listed as disabled" "${NEWIDS[0]}" "$(jget "$T/b" '" ".join(t["id"] for t in d["data"])')"
fakectl POST /config '{"org_api_enabled":false}' >/dev/null
call "$C?filter=$F" "${OAUTH[@]}"
check "feature off: 403" 403 "$CODE"
fakectl POST /config '{"org_api_enabled":true}' >/dev/null
fakectl POST /counters/reset >/dev/null
call "$C?filter=$F" "${OAUTH[@]}"
check "counted on the console host" 1 "$(fakectl count $CH /api/core/tenants GET 200)"
check "the organization in /state" org-client "$(fakectl GET /state | "$PY" -S -c 'import json,sys; print(json.load(sys.stdin)["organization"]["clients"][0]["client_id"])')"
