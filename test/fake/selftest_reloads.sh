# Sourced by selftest.sh (not run on its own): checks of the reloads API (create with
# variables and Qlik's limits on them, the status moving with the clock, get, list with
# filter, sort and cursors, cancel, failures steered through the control port, logs as
# application/octet-stream, as Qlik's spec says), and of the reload-tasks API (create, get, list, put, delete, validation).
#
# Uses selftest.sh's helpers: call, check, jget, hdr, token, fakectl, $T, $PY, and jcall /
# jtrue from selftest_admin.sh. Seeds its own tenant rl (regional client region-us).

type jcall >/dev/null 2>&1 ||
    jcall() { local m=$1 u=$2 b=$3; shift 3; call -X "$m" "$u" -H 'Content-Type: application/json' --data-binary "$b" "$@"; }
type jtrue >/dev/null 2>&1 || jtrue() { jget "$1" "str(bool($2))"; }

fakectl POST /seed '{"tenants":[{"hostname":"rl.us.qlikcloud.com","users":1,
  "spaces":[{"name":"Shared","type":"shared"}],
  "apps":[{"name":"Sales","space":"Shared","size":1000},{"name":"Other","space":"Shared","size":1000}]}]}' >"$T/rseed.json"
RL=rl.us.qlikcloud.com
R="https://$RL/api/v1"
RAPP=$(jget "$T/rseed.json" 'd["tenants"][0]["apps"][0]["id"]')
OAPP=$(jget "$T/rseed.json" 'd["tenants"][0]["apps"][1]["id"]')
RSPACE=$(jget "$T/rseed.json" 'd["tenants"][0]["spaces"][0]["id"]')
token $RL region-us rsecret; RAUTH=(-H "Authorization: Bearer $TOKV")
fakectl POST /config '{"reload_queue_ms":300,"reload_ms":600}' >/dev/null

# ---- create -------------------------------------------------------------------------------
jcall POST "$R/reloads" "{\"appId\":\"$RAPP\",\"variables\":{\"vCustomer\":\"Acme\",\"vRegion\":\"EU\"}}" "${RAUTH[@]}"
check "reload 201" 201 "$CODE"
RID=$(jget "$T/b" 'd["id"]')
check "reload id is 24 hex" True "$(jtrue "$T/b" '__import__("re").fullmatch("[0-9a-f]{24}", d["id"])')"
check "reload fields" True "$(jtrue "$T/b" 'all(k in d for k in ("id","appId","tenantId","userId","type","status","creationTime","partial","links"))')"
check "reload starts QUEUED, external, not partial" "QUEUED external False" "$(jget "$T/b" '"%s %s %s" % (d["status"], d["type"], d["partial"])')"
check "reload self link" "$R/reloads/$RID" "$(jget "$T/b" 'd["links"]["self"]["href"]')"
jcall POST "$R/reloads" "{\"appId\":\"$RAPP\"}" "${RAUTH[@]}"
check "second reload while one is queued 429" 429 "$CODE"
check "pending reload retry-after" 1 "$(hdr retry-after)"
check "reloads error style: no status, no traceId" True "$(jtrue "$T/b" '"status" not in d["errors"][0] and "traceId" not in d')"
sleep 0.4
call "$R/reloads/$RID" "${RAUTH[@]}"
check "RELOADING after the queue time" "200 RELOADING" "$CODE $(jget "$T/b" 'd["status"]')"
check "startTime once reloading" True "$(jtrue "$T/b" '"startTime" in d and "endTime" not in d')"
sleep 0.7
call "$R/reloads/$RID" "${RAUTH[@]}"
check "SUCCEEDED after the reload time" SUCCEEDED "$(jget "$T/b" 'd["status"]')"
check "get has the log" True "$(jtrue "$T/b" 'd["log"].startswith("ReloadID: " + d["id"]) and "Finished successfully" in d["log"]')"
check "endTime, engineTime" True "$(jtrue "$T/b" '"endTime" in d and "engineTime" in d and "errorCode" not in d')"
call "$R/apps/$RAPP" "${RAUTH[@]}" >/dev/null
call "$R/reloads/000000000000000000000000" "${RAUTH[@]}"
check "unknown reload 404" 404 "$CODE"

# ---- Qlik's limits on the body ----------------------------------------------------------
V20=$("$PY" -S -c 'import json; print(json.dumps({"v%d" % i: "x" for i in range(20)}))')
V21=$("$PY" -S -c 'import json; print(json.dumps({"v%d" % i: "x" for i in range(21)}))')
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\",\"variables\":$V21}" "${RAUTH[@]}"
check "21 variables 400" "400 RELOADS-001 /variables" "$CODE $(jget "$T/b" 'd["errors"][0]["code"] + " " + d["errors"][0]["source"]["pointer"]')"
L257=$("$PY" -S -c 'print("x" * 257)')
L256=$("$PY" -S -c 'print("x" * 256)')
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\",\"variables\":{\"v\":\"$L257\"}}" "${RAUTH[@]}"
check "value of 257 characters 400" "400 /variables/v" "$CODE $(jget "$T/b" 'd["errors"][0]["source"]["pointer"]')"
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\",\"variables\":{\"$L257\":\"x\"}}" "${RAUTH[@]}"
check "name of 257 characters 400" 400 "$CODE"
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\",\"variables\":{\"v\":1}}" "${RAUTH[@]}"
check "non-string value 400" 400 "$CODE"
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\",\"weight\":11}" "${RAUTH[@]}"
check "weight 11 400" 400 "$CODE"
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\",\"reload\":true}" "${RAUTH[@]}"
check "unknown field 400" 400 "$CODE"
jcall POST "$R/reloads" "{}" "${RAUTH[@]}"
check "no appId 400" 400 "$CODE"
jcall POST "$R/reloads" '{"appId":"00000000-0000-0000-0000-000000000000"}' "${RAUTH[@]}"
check "unknown app 404" 404 "$CODE"
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\",\"partial\":true,\"variables\":$V20}" "${RAUTH[@]}"
check "20 variables 201" 201 "$CODE"
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\",\"variables\":{\"$L256\":\"$L256\"}}" "${RAUTH[@]}"
check "name and value of 256 characters: accepted (429 only because one is queued)" 429 "$CODE"

# ---- cancel ----------------------------------------------------------------------------------
call "$R/reloads?appId=$OAPP&filter=status%20eq%20%22QUEUED%22" "${RAUTH[@]}"
QID=$(jget "$T/b" 'd["data"][0]["id"]')
call -X POST "$R/reloads/$QID/actions/cancel" "${RAUTH[@]}"
check "cancel a queued reload 204" 204 "$CODE"
call "$R/reloads/$QID" "${RAUTH[@]}"
check "canceled at once" CANCELED "$(jget "$T/b" 'd["status"]')"
call -X POST "$R/reloads/$QID/actions/cancel" "${RAUTH[@]}"
check "cancel an ended reload 409" 409 "$CODE"
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\"}" "${RAUTH[@]}"
CID=$(jget "$T/b" 'd["id"]')
sleep 0.4
call -X POST "$R/reloads/$CID/actions/cancel" "${RAUTH[@]}"
check "cancel a reloading reload 202 CANCELING" "202 CANCELING" "$CODE $(jget "$T/b" 'd["status"]')"
call "$R/reloads/$CID" "${RAUTH[@]}"
check "CANCELING" CANCELING "$(jget "$T/b" 'd["status"]')"
sleep 0.2
call "$R/reloads/$CID" "${RAUTH[@]}"
check "then CANCELED" CANCELED "$(jget "$T/b" 'd["status"]')"
call -X POST "$R/reloads/nope/actions/cancel" "${RAUTH[@]}"
check "cancel unknown 404" 404 "$CODE"

# ---- failures through the control port, logs --------------------------------------------------
fakectl POST /reloads/failures "{\"appId\":\"$RAPP\",\"errorMessage\":\"Field 'x' not found\",\"log\":\"Script line 12: LOAD x FROM y\"}" >/dev/null
fakectl GET /reloads/failures >"$T/rf.json"
check "failure pending" 1 "$(jget "$T/rf.json" "len(d['failures']['$RAPP'])")"
jcall POST "$R/reloads" "{\"appId\":\"$RAPP\"}" "${RAUTH[@]}"
FID=$(jget "$T/b" 'd["id"]')
sleep 1
call "$R/reloads/$FID" "${RAUTH[@]}"
check "failed reload" "FAILED EngineReloadError" "$(jget "$T/b" 'd["status"] + " " + d["errorCode"]')"
check "errorMessage" "Field 'x' not found" "$(jget "$T/b" 'd["errorMessage"]')"
check "failed log carries the reason" True "$(jtrue "$T/b" '"Script line 12" in d["log"] and "Reload failed" in d["log"]')"
fakectl GET /reloads/failures >"$T/rf.json"
check "failure consumed" '{}' "$(jget "$T/rf.json" 'd["failures"]')"
call "$R/apps/$RAPP/reloads/logs/$FID" "${RAUTH[@]}"
check "script log 200 octet-stream (Qlik's spec)" "200 application/octet-stream" "$CODE $(hdr Content-Type)"
check "script log has the error" True "$(grep -q "The following error occurred" "$T/b" && grep -q "Field 'x' not found" "$T/b" && echo True || echo False)"
call "$R/apps/$RAPP/reloads/logs/$RID" "${RAUTH[@]}"
check "script log shows the variables" True "$(grep -q "SET vCustomer='Acme'" "$T/b" && echo True || echo False)"
call "$R/apps/$RAPP/reloads/logs" "${RAUTH[@]}"
check "script logs list" "[true, false]" "$(jget "$T/b" '[x["success"] for x in d["data"]]')"
call "$R/apps/$OAPP/reloads/logs/$RID" "${RAUTH[@]}"
check "log of another app's reload 404" 404 "$CODE"

# ---- list: appId, log, filter, sort, cursors -----------------------------------------------
call "$R/reloads?appId=$RAPP" "${RAUTH[@]}"
check "list newest first" "$FID $RID" "$(jget "$T/b" '" ".join(x["id"] for x in d["data"])')"
check "list leaves log out" False "$(jtrue "$T/b" 'any("log" in x for x in d["data"])')"
call "$R/reloads?appId=$RAPP&log=true" "${RAUTH[@]}"
check "log=true puts it in" True "$(jtrue "$T/b" 'all("log" in x for x in d["data"])')"
call "$R/reloads?appId=$RAPP&sort=%2BcreationTime" "${RAUTH[@]}"
check "sort +creationTime" "$RID $FID" "$(jget "$T/b" '" ".join(x["id"] for x in d["data"])')"
call "$R/reloads?appId=$RAPP&filter=(status%20eq%20%22FAILED%22%20or%20status%20eq%20%22EXCEEDED_LIMIT%22)%20and%20partial%20eq%20%22false%22" "${RAUTH[@]}"
check "filter" "$FID" "$(jget "$T/b" '" ".join(x["id"] for x in d["data"])')"
call "$R/reloads?appId=$RAPP&filter=name%20eq%20%22x%22" "${RAUTH[@]}"
check "filter on an unsupported attribute 400" 400 "$CODE"
call "$R/reloads?appId=$OAPP&limit=1" "${RAUTH[@]}"
check "page of 1 with next" "1 True" "$(jget "$T/b" '"%d %s" % (len(d["data"]), "next" in d["links"])')"
P1=$(jget "$T/b" 'd["data"][0]["id"]')
NEXT=$(jget "$T/b" 'd["links"]["next"]["href"]')
call "$NEXT" "${RAUTH[@]}"
check "next page" True "$(jtrue "$T/b" 'len(d["data"]) == 1 and d["data"][0]["id"] != "'"$P1"'" and "prev" in d["links"]')"
call "$R/reloads?appId=$OAPP&partial=true" "${RAUTH[@]}"
check "partial=true" 1 "$(jget "$T/b" 'len(d["data"])')"
call "$R/reloads?appId=$OAPP&limit=0" "${RAUTH[@]}"
check "limit 0 400" 400 "$CODE"
call "$R/reloads" "${RAUTH[@]}"
check "no appId: a TenantAdmin sees every reload" "200 True" "$CODE $(jtrue "$T/b" 'len(d["data"]) == 4')"

# ---- reload tasks ---------------------------------------------------------------------------
TB="{\"appId\":\"$RAPP\",\"timeZone\":\"Europe/Zurich\",\"recurrence\":[\"RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=3;BYMINUTE=0;BYSECOND=0\"],\"startDateTime\":\"2030-01-01T03:00:00\"}"
jcall POST "$R/reload-tasks" "$TB" "${RAUTH[@]}"
check "task 201" 201 "$CODE"
TKID=$(jget "$T/b" 'd["id"]')
check "task fields" True "$(jtrue "$T/b" 'all(k in d for k in ("id","appId","userId","tenantId","timeZone","state","links","recurrence","spaceId"))')"
check "task Enabled in the app's space" "Enabled $RSPACE" "$(jget "$T/b" 'd["state"] + " " + d["spaceId"]')"
jcall POST "$R/reload-tasks" "{\"appId\":\"$RAPP\"}" "${RAUTH[@]}"
check "task without timeZone 400" 400 "$CODE"
check "tasks error style has traceId, no status" True "$(jtrue "$T/b" '"traceId" in d and "status" not in d["errors"][0]')"
jcall POST "$R/reload-tasks" "{\"appId\":\"$RAPP\",\"timeZone\":\"Mars/Olympus\"}" "${RAUTH[@]}"
check "bad time zone 400" 400 "$CODE"
jcall POST "$R/reload-tasks" "{\"appId\":\"$RAPP\",\"timeZone\":\"UTC\",\"recurrence\":[\"DTSTART:20300101T000000Z\"]}" "${RAUTH[@]}"
check "DTSTART in recurrence 400" 400 "$CODE"
jcall POST "$R/reload-tasks" "{\"appId\":\"$RAPP\",\"timeZone\":\"UTC\",\"startDateTime\":\"2030-01-01T03:00:00+01:00\"}" "${RAUTH[@]}"
check "offset with a time zone 400" 400 "$CODE"
jcall POST "$R/reload-tasks" '{"appId":"00000000-0000-0000-0000-000000000000","timeZone":"UTC"}' "${RAUTH[@]}"
check "task of an unknown app 404" 404 "$CODE"
jcall POST "$R/reload-tasks" "{\"appId\":\"$OAPP\",\"timeZone\":\"UTC\",\"partial\":true}" "${RAUTH[@]}"
TK2=$(jget "$T/b" 'd["id"]')
call "$R/reload-tasks/$TKID" "${RAUTH[@]}"
check "get task" "200 $TKID" "$CODE $(jget "$T/b" 'd["id"]')"
call "$R/reload-tasks?appId=$RAPP" "${RAUTH[@]}"
check "list tasks by app" "$TKID" "$(jget "$T/b" '" ".join(x["id"] for x in d["data"])')"
call "$R/reload-tasks?limit=1" "${RAUTH[@]}"
check "list tasks paged" "1 True" "$(jget "$T/b" '"%d %s" % (len(d["data"]), "next" in d["links"])')"
call "$R/reload-tasks?partial=true" "${RAUTH[@]}"
check "list tasks partial" "$TK2" "$(jget "$T/b" '" ".join(x["id"] for x in d["data"])')"
jcall PUT "$R/reload-tasks/$TKID" '{"state":"Disabled","recurrence":["RRULE:FREQ=WEEKLY;BYDAY=MO"]}' "${RAUTH[@]}"
check "put task" "200 Disabled MANUALLY Europe/Zurich" "$CODE $(jget "$T/b" '" ".join([d["state"], d["disabledCode"], d["timeZone"]])')"
jcall PUT "$R/reload-tasks/$TKID" '{"state":"Off"}' "${RAUTH[@]}"
check "put bad state 400" 400 "$CODE"
call -X DELETE "$R/reload-tasks/$TKID" "${RAUTH[@]}"
check "delete task 204" 204 "$CODE"
call "$R/reload-tasks/$TKID" "${RAUTH[@]}"
check "deleted task 404" 404 "$CODE"
call -X DELETE "$R/reload-tasks/$TKID" "${RAUTH[@]}"
check "delete again 404" 404 "$CODE"

# ---- tiers: POST /reloads has its own limit (special, 50 a minute) ------------------------------
fakectl POST /config '{"rate_limits":{"window":60,"special":{"POST /api/v1/reloads":1}},"reload_queue_ms":0,"reload_ms":0}' >/dev/null
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\"}" "${RAUTH[@]}"
check "special tier: first" 201 "$CODE"
jcall POST "$R/reloads" "{\"appId\":\"$OAPP\"}" "${RAUTH[@]}"
check "special tier: second 429 with retry-after" "429 True" "$CODE $(jtrue "$T/b" 'd["errors"][0]["code"] == "HTTP-429"')"
call "$R/reloads/$RID" "${RAUTH[@]}"
check "tier 1 unaffected" 200 "$CODE"
fakectl POST /config '{"rate_limits":{"enabled":true,"window":300,"tier1":1000,"tier2":100,"special":{}},"reload_queue_ms":200,"reload_ms":500}' >/dev/null
