# Sourced by selftest.sh (not run on its own): checks of the content APIs -- spaces and
# assignments, items, temporary contents (upload, download, Range, ttl, tus), apps (export,
# import, publish, republish), with a 50 MiB copy between two tenants checked by sha256.
#
# Uses selftest.sh's helpers: call, check, jget, hdr, token, fakectl, $T, $PY, and jcall /
# jtrue from selftest_admin.sh. Seeds its own tenants src and dst (regional client region-us).

type jcall >/dev/null 2>&1 ||
    jcall() { local m=$1 u=$2 b=$3; shift 3; call -X "$m" "$u" -H 'Content-Type: application/json' --data-binary "$b" "$@"; }
type jtrue >/dev/null 2>&1 || jtrue() { jget "$1" "str(bool($2))"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

fakectl POST /seed '{"tenants":[
 {"hostname":"src.us.qlikcloud.com",
  "clients":[{"client_id":"src-noroles","client_secret":"nsecret","name":"No Roles","roles":[]}],
  "users":[{"subject":"auth0|dev1","name":"Dev One","email":"dev1@src.example","roles":["Developer"]}],
  "groups":[{"name":"Analysts"}],
  "spaces":[{"name":"Templates","type":"shared","assignments":[{"group":"Analysts","roles":["consumer"]}]},
            {"name":"Prod","type":"managed"}],
  "apps":[{"name":"Template App","space":"Templates","size":52428800},
          {"name":"Template App","space":"Prod","publishedFrom":"Template App"},
          {"name":"Small","space":"Templates","size":1000}]},
 {"hostname":"dst.us.qlikcloud.com","users":1,
  "spaces":[{"name":"Staging","type":"shared"},{"name":"Live","type":"managed"}]}]}' >"$T/cseed.json"
check "content seed" True "$(jtrue "$T/cseed.json" 'len(d["tenants"]) == 2')"
SRC=src.us.qlikcloud.com
DST=dst.us.qlikcloud.com
TPL_SPACE=$(jget "$T/cseed.json" 'd["tenants"][0]["spaces"][0]["id"]')
PROD_SPACE=$(jget "$T/cseed.json" 'd["tenants"][0]["spaces"][1]["id"]')
TPL_APP=$(jget "$T/cseed.json" 'd["tenants"][0]["apps"][0]["id"]')
TPL_SHA=$(jget "$T/cseed.json" 'd["tenants"][0]["apps"][0]["sha256"]')
PUB_APP=$(jget "$T/cseed.json" 'd["tenants"][0]["apps"][1]["id"]')
SMALL_APP=$(jget "$T/cseed.json" 'd["tenants"][0]["apps"][2]["id"]')
STAGE=$(jget "$T/cseed.json" 'd["tenants"][1]["spaces"][0]["id"]')
LIVE=$(jget "$T/cseed.json" 'd["tenants"][1]["spaces"][1]["id"]')
DEV1=$(jget "$T/cseed.json" '[u["id"] for u in d["tenants"][0]["users"] if u["subject"] == "auth0|dev1"][0]')
check "seed reports sha256" 64 "$(jget "$T/cseed.json" 'len(d["tenants"][0]["apps"][0]["sha256"])')"
check "seeded published copy" True "$(jtrue "$T/cseed.json" 'd["tenants"][0]["apps"][1]["originAppId"] == d["tenants"][0]["apps"][0]["id"] and d["tenants"][0]["apps"][1]["published"]')"
check "seeded app ids are reproducible UUIDs" 36 "$(jget "$T/cseed.json" 'len(d["tenants"][0]["apps"][0]["id"])')"
fakectl POST /seed '{"tenants":[{"hostname":"bad.us.qlikcloud.com","apps":[{"name":"x","space":"nope"}]}]}' >/dev/null 2>&1
check "seed app in unknown space rejected" 1 "$?"

token "$SRC" region-us rsecret; SAUTH=(-H "Authorization: Bearer $TOKV")
token "$DST" region-us rsecret; DAUTH=(-H "Authorization: Bearer $TOKV")
S="https://$SRC/api/v1"
D="https://$DST/api/v1"
call "$S/users/me" -L "${SAUTH[@]}"
SBOT=$(jget "$T/b" 'd["id"]')

# ---- spaces ---------------------------------------------------------------------------------
jcall POST "$S/spaces" '{"name":"Dev (team)","type":"shared","description":"d"}' "${SAUTH[@]}"
check "create space 201" 201 "$CODE"
DEVSP=$(jget "$T/b" 'd["id"]')
check "space fields" True "$(jtrue "$T/b" 'd["type"] == "shared" and d["ownerId"] == d["createdBy"] and d["tenantId"] and d["createdAt"] and d["updatedAt"]')"
check "space meta" '["codeveloper", "consumer", "dataconsumer", "facilitator", "producer"]' "$(jget "$T/b" 'd["meta"]["assignableRoles"]')"
check "space links" "https://$SRC/api/v1/spaces/$DEVSP/assignments" "$(jget "$T/b" 'd["links"]["assignments"]["href"]')"
jcall POST "$S/spaces" '{"name":"Dev (team)","type":"managed"}' "${SAUTH[@]}"
check "duplicate space name 409" 409 "$CODE"
check "spaces 409 error shape" True "$(jtrue "$T/b" 'd["code"] == d["errors"][0]["code"] == "SpaceNameConflict" and "title" in d and d["traceId"] and "status" not in d["errors"][0]')"
# Qlik reads the JSON body whatever the Content-Type says (its Postman collection sends
# application/ecmascript)
call -X POST "$S/spaces" -H 'Content-Type: application/ecmascript' -H 'Accept: application/ecmascript' \
    --data-binary '{ "name": "Ecma", "type": "managed" }' "${SAUTH[@]}"
check "space from an application/ecmascript body 201" "201 Ecma managed" "$CODE $(jget "$T/b" 'd["name"]') $(jget "$T/b" 'd["type"]')"
call -X DELETE "$S/spaces/$(jget "$T/b" 'd["id"]')" "${SAUTH[@]}"
check "delete it 204" 204 "$CODE"
call -X POST "$S/spaces" -H 'Content-Type: text/plain' --data-binary '{"name":' "${SAUTH[@]}"
check "a body that is not JSON is still 400" 400 "$CODE"
jcall POST "$S/spaces" '{"name":"a/b","type":"shared"}' "${SAUTH[@]}"
check "space name with / 400" 400 "$CODE"
check "400 points at /name (meta.source, and top level)" "/name /name" "$(jget "$T/b" 'd["errors"][0]["meta"]["source"]["pointer"]') $(jget "$T/b" 'd["source"]["pointer"]')"
jcall POST "$S/spaces" "{\"name\":\"$(printf 'x%.0s' $(seq 257))\",\"type\":\"shared\"}" "${SAUTH[@]}"
check "space name 257 chars 400" 400 "$CODE"
jcall POST "$S/spaces" '{"name":"NoType"}' "${SAUTH[@]}"
check "space without type 400" 400 "$CODE"
jcall POST "$S/spaces" '{"name":"T","type":"private"}' "${SAUTH[@]}"
check "space bad type 400" 400 "$CODE"
jcall POST "$S/spaces" '{"name":"T","type":"shared","color":"red"}' "${SAUTH[@]}"
check "space unknown field 400" 400 "$CODE"
token "$SRC" src-noroles nsecret
jcall POST "$S/spaces" '{"name":"T","type":"shared"}' -H "Authorization: Bearer $TOKV"
check "create space without a creator role 403" 403 "$CODE"
call "$S/spaces/$DEVSP" -H "Authorization: Bearer $TOKV"
check "space invisible to a non-member 404" 404 "$CODE"
jcall POST "$S/spaces" '{"name":"Managed Two","type":"managed"}' "${SAUTH[@]}"
check "create managed space 201" 201 "$CODE"
M2SP=$(jget "$T/b" 'd["id"]')
call "$S/spaces/types" "${SAUTH[@]}"
check "space types" '["shared", "managed", "data"]' "$(jget "$T/b" 'd["data"]')"
call "$S/spaces?type=managed" "${SAUTH[@]}"
check "spaces type filter" '["Managed Two", "Prod"]' "$(jget "$T/b" 'sorted(s["name"] for s in d["data"])')"
check "spaces meta.count" 2 "$(jget "$T/b" 'd["meta"]["count"]')"
call "$S/spaces?type=managed,bogus" "${SAUTH[@]}"
check "spaces bad type 400" 400 "$CODE"
call "$S/spaces?name=TEMP" "${SAUTH[@]}"
check "spaces name contains, any case" '["Templates"]' "$(jget "$T/b" '[s["name"] for s in d["data"]]')"
call -G "$S/spaces" --data-urlencode 'filter=name eq "prod"' "${SAUTH[@]}"
check "spaces SCIM name filter" '["Prod"]' "$(jget "$T/b" '[s["name"] for s in d["data"]]')"
call "$S/spaces?limit=2&sort=-name" "${SAUTH[@]}"
check "spaces page 1" '["Templates", "Prod"]' "$(jget "$T/b" '[s["name"] for s in d["data"]]')"
NEXT=$(jget "$T/b" 'd["links"]["next"]["href"]')
check "spaces next link absolute" "https://$SRC/" "${NEXT:0:$((${#SRC} + 9))}"
call "$NEXT" "${SAUTH[@]}"
check "spaces page 2" '["Managed Two", "Dev (team)"]' "$(jget "$T/b" '[s["name"] for s in d["data"]]')"
check "spaces last page has no next" False "$(jtrue "$T/b" '"next" in d["links"]')"
call "$S/spaces?sort=+size" "${SAUTH[@]}"
check "spaces bad sort 400" 400 "$CODE"
call "$S/spaces?limit=0" "${SAUTH[@]}"
check "spaces limit 0 400" 400 "$CODE"
call "$S/spaces/$DEVSP" "${SAUTH[@]}"
check "get space 200" 200 "$CODE"
call "$S/spaces/000000000000000000000000" "${SAUTH[@]}"
check "unknown space 404" 404 "$CODE"
check "404 code" SpaceNotFound "$(jget "$T/b" 'd["code"]')"
jcall PATCH "$S/spaces/$DEVSP" '[{"op":"replace","path":"/name","value":"Dev"},{"op":"replace","path":"/description","value":"team"}]' "${SAUTH[@]}"
check "patch space 200" "200 Dev team" "$CODE $(jget "$T/b" 'd["name"]') $(jget "$T/b" 'd["description"]')"
jcall PATCH "$S/spaces/$DEVSP" '[{"op":"replace","path":"/type","value":"managed"}]' "${SAUTH[@]}"
check "patch space bad path 400" 400 "$CODE"
jcall PATCH "$S/spaces/$DEVSP" '[{"op":"replace","path":"/name","value":"Prod"}]' "${SAUTH[@]}"
check "patch space to a taken name 409" 409 "$CODE"
jcall PUT "$S/spaces/$DEVSP" '{"description":"put"}' "${SAUTH[@]}"
check "put space 200" "200 Dev put" "$CODE $(jget "$T/b" 'd["name"]') $(jget "$T/b" 'd["description"]')"
jcall PUT "$S/spaces/$DEVSP" '{"ownerId":"nobody"}' "${SAUTH[@]}"
check "put space unknown owner 400" 400 "$CODE"

# ---- assignments ----------------------------------------------------------------------------
AS="$S/spaces/$DEVSP/assignments"
jcall POST "$AS" "{\"type\":\"user\",\"assigneeId\":\"$DEV1\",\"roles\":[\"producer\",\"consumer\"]}" "${SAUTH[@]}"
check "create assignment 201" 201 "$CODE"
ASG=$(jget "$T/b" 'd["id"]')
check "assignment fields" True "$(jtrue "$T/b" 'd["spaceId"] == "'$DEVSP'" and d["roles"] == ["producer", "consumer"] and d["links"]["self"]["href"].endswith(d["id"])')"
jcall POST "$AS" "{\"type\":\"user\",\"assigneeId\":\"$DEV1\",\"roles\":[\"consumer\"]}" "${SAUTH[@]}"
check "same assignee twice 409" 409 "$CODE"
check "409 AssignmentConflict at top level" AssignmentConflict "$(jget "$T/b" 'd["code"]')"
jcall POST "$AS" "{\"type\":\"user\",\"assigneeId\":\"$SBOT\",\"roles\":[\"publisher\"]}" "${SAUTH[@]}"
check "role not valid for a shared space 400" 400 "$CODE"
jcall POST "$AS" "{\"type\":\"user\",\"assigneeId\":\"$SBOT\",\"roles\":[]}" "${SAUTH[@]}"
check "empty roles 400" 400 "$CODE"
jcall POST "$AS" '{"type":"user","assigneeId":"000000000000000000000bad","roles":["consumer"]}' "${SAUTH[@]}"
check "unknown assignee 400" 400 "$CODE"
jcall POST "$AS" '{"type":"group","assigneeId":"000000000000000000000bad","roles":["consumer"]}' "${SAUTH[@]}"
check "unknown group 400" 400 "$CODE"
jcall POST "$AS" "{\"type\":\"user\",\"assignee\":\"$SBOT\",\"roles\":[\"consumer\"]}" "${SAUTH[@]}"
check "assignee (not assigneeId) 400" 400 "$CODE"
jcall POST "$S/spaces/000000000000000000000000/assignments" "{\"type\":\"user\",\"assigneeId\":\"$SBOT\",\"roles\":[\"consumer\"]}" "${SAUTH[@]}"
check "assignment to unknown space 404" 404 "$CODE"
jcall POST "$AS" "{\"type\":\"user\",\"assigneeId\":\"$SBOT\",\"roles\":[\"consumer\"]}" "${SAUTH[@]}"
check "second assignment 201" 201 "$CODE"
call "$AS?limit=1" "${SAUTH[@]}"
check "assignments page" "1 2" "$(jget "$T/b" 'len(d["data"])') $(jget "$T/b" 'd["meta"]["count"]')"
check "assignments next" True "$(jtrue "$T/b" '"next" in d["links"]')"
call "$AS?assigneeId=$DEV1" "${SAUTH[@]}"
check "assignments by assignee" "$ASG" "$(jget "$T/b" 'd["data"][0]["id"]')"
call "$AS?type=robot" "${SAUTH[@]}"
check "assignments bad type 400" 400 "$CODE"
jcall PUT "$AS/$ASG" '{"roles":["facilitator"]}' "${SAUTH[@]}"
check "update assignment" '200 ["facilitator"]' "$CODE $(jget "$T/b" 'd["roles"]')"
call "$AS/$ASG" "${SAUTH[@]}"
check "get assignment" '200 ["facilitator"]' "$CODE $(jget "$T/b" 'd["roles"]')"
call -X DELETE "$AS/$ASG" "${SAUTH[@]}"
check "delete assignment 204" 204 "$CODE"
call "$AS/$ASG" "${SAUTH[@]}"
check "deleted assignment 404" 404 "$CODE"
call "$S/spaces/$TPL_SPACE/assignments" "${SAUTH[@]}"
check "seeded group assignment" '["group"]' "$(jget "$T/b" '[a["type"] for a in d["data"]]')"

# ---- items ----------------------------------------------------------------------------------
call "$S/items?resourceType=app&name=template%20APP" "${SAUTH[@]}"
check "items by name (contains, any case)" 2 "$(jget "$T/b" 'len(d["data"])')"
check "items X-B3-Traceid" True "$([ -n "$(hdr X-B3-Traceid)" ] && echo True || echo False)"
call "$S/items?resourceType=app&spaceId=$PROD_SPACE" "${SAUTH[@]}"
check "items in the managed space" "$PUB_APP" "$(jget "$T/b" 'd["data"][0]["resourceId"]')"
check "item resourceAttributes" True "$(jtrue "$T/b" 'd["data"][0]["resourceAttributes"]["originAppId"] == "'$TPL_APP'" and d["data"][0]["resourceAttributes"]["published"] and d["data"][0]["resourceAttributes"]["_resourcetype"] == "app"')"
ITEM=$(jget "$T/b" 'd["data"][0]["id"]')
call "$S/items?resourceType=app&limit=1&sort=-name" "${SAUTH[@]}"
check "items page" "1 Template App" "$(jget "$T/b" 'len(d["data"])') $(jget "$T/b" 'd["data"][0]["name"]')"
call "$(jget "$T/b" 'd["links"]["next"]["href"]')" "${SAUTH[@]}"
check "items next page" 200 "$CODE"
call "$S/items?spaceType=managed&resourceType=app" "${SAUTH[@]}"
check "items spaceType" 1 "$(jget "$T/b" 'len(d["data"])')"
call "$S/items?resourceType=app&resourceId=$SMALL_APP" "${SAUTH[@]}"
check "items by resourceId" Small "$(jget "$T/b" 'd["data"][0]["name"]')"
call "$S/items?resourceId=$SMALL_APP" "${SAUTH[@]}"
check "resourceId without resourceType 400" 400 "$CODE"
call "$S/items?resourceType=spreadsheet" "${SAUTH[@]}"
check "items bad resourceType 400" 400 "$CODE"
check "items error: no traceId in body, header instead" True "$(jtrue "$T/b" '"traceId" not in d and "status" not in d["errors"][0]')"
check "items error X-B3-Traceid" True "$([ -n "$(hdr X-B3-Traceid)" ] && echo True || echo False)"
call "$S/items?limit=101" "${SAUTH[@]}"
check "items limit 101 400" 400 "$CODE"
call "$S/items?sort=+size" "${SAUTH[@]}"
check "items bad sort 400" 400 "$CODE"
call "$S/items?spaceId=personal" "${SAUTH[@]}"
check "no personal items yet" 0 "$(jget "$T/b" 'len(d["data"])')"
call "$S/items/$ITEM" "${SAUTH[@]}"
check "get item" "200 $PUB_APP" "$CODE $(jget "$T/b" 'd["resourceId"]')"
call "$S/items/000000000000000000000000" "${SAUTH[@]}"
check "unknown item 404" 404 "$CODE"
call "$S/items?resourceType=app&resourceId=$TPL_APP" "${SAUTH[@]}"
call "$S/items/$(jget "$T/b" 'd["data"][0]["id"]')/publisheditems" "${SAUTH[@]}"
check "publisheditems" "200 $PUB_APP" "$CODE $(jget "$T/b" '[i["resourceId"] for i in d["data"]][0]')"
call "$S/items/settings" "${SAUTH[@]}"
check "items settings" "200 true" "$CODE $(jget "$T/b" 'd["usageMetricsEnabled"]')"
jcall PATCH "$S/items/settings" '[{"op":"replace","path":"/usageMetricsEnabled","value":"no"}]' "${SAUTH[@]}"
check "items settings bad value 400" 400 "$CODE"

# ---- temporary contents ---------------------------------------------------------------------
printf 'hello' >"$T/hello.txt"
call -X POST "$S/temp-contents?filename=h%C3%A9llo.txt&ttl=60" -H 'Content-Type: application/octet-stream' --data-binary @"$T/hello.txt" "${SAUTH[@]}"
check "upload 201" 201 "$CODE"
check "upload empty body" 0 "$(stat -c %s "$T/b")"
LOC=$(hdr Location)
check "upload Location" "/api/v1/temp-contents/" "${LOC:0:22}"
TC=${LOC##*/}
call "$S/temp-contents/$TC/details" "${SAUTH[@]}"
check "details" '"5" "héllo.txt" 60' "$(jget "$T/b" 'json.dumps(d["Size"])') $(jget "$T/b" 'json.dumps(d["Name"], ensure_ascii=False)') $(jget "$T/b" 'd["TTLSeconds"]')"
call "$S/temp-contents/$TC" "${SAUTH[@]}"
check "download" "200 hello" "$CODE $(cat "$T/b")"
check "Content-Disposition" "attachment; filename=\"h_llo.txt\"; filename*=UTF-8''h%C3%A9llo.txt" "$(hdr Content-Disposition)"
check "download Content-Length" 5 "$(hdr Content-Length)"
call "$S/temp-contents/$TC?inline=1" "${SAUTH[@]}"
check "inline" inline "$(hdr Content-Disposition | cut -d';' -f1)"
call "$S/temp-contents/$TC" -H 'Range: bytes=1-3' "${SAUTH[@]}"
check "Range 206" "206 ell bytes 1-3/5" "$CODE $(cat "$T/b") $(hdr Content-Range)"
call "$S/temp-contents/$TC" -H 'Range: bytes=-2' "${SAUTH[@]}"
check "suffix Range" "206 lo" "$CODE $(cat "$T/b")"
call "$S/temp-contents/$TC" -H 'Range: bytes=3-' "${SAUTH[@]}"
check "open Range" "206 lo" "$CODE $(cat "$T/b")"
call "$S/temp-contents/$TC" -H 'Range: bytes=9-12' "${SAUTH[@]}"
check "unsatisfiable Range 416" "416 bytes */5" "$CODE $(hdr Content-Range)"
call "$S/temp-contents/$TC" -H 'Range: lines=1-2' "${SAUTH[@]}"
check "bad Range unit 416" 416 "$CODE"
call "$S/temp-contents/000000000000000000000000" "${SAUTH[@]}"
check "unknown temp content 404" 404 "$CODE"
check "temp-contents error shape" True "$(jtrue "$T/b" 'd["traceId"] and "status" not in d["errors"][0] and "code" not in d')"
call "$D/temp-contents/$TC" "${DAUTH[@]}"
check "temp content of another tenant 404" 404 "$CODE"
for q in "ttl=0" "ttl=259201" "ttl=abc" "filename="; do
    call -X POST "$S/temp-contents?$q" --data-binary @"$T/hello.txt" "${SAUTH[@]}"
    check "upload $q 400" 400 "$CODE"
done
call -X POST "$S/temp-contents?filename=short.txt&ttl=1" --data-binary @"$T/hello.txt" "${SAUTH[@]}"
SHORT=$(hdr Location)
call -X POST "$S/temp-contents?filename=empty.qvf" -H 'Content-Length: 0' "${SAUTH[@]}"
check "empty upload 201 (qlik-cli #19)" 201 "$CODE"
EMPTY=$(hdr Location); EMPTY=${EMPTY##*/}
call -X POST "$S/temp-contents?filename=chunked.bin" -H 'Transfer-Encoding: chunked' --data-binary @"$T/hello.txt" "${SAUTH[@]}"
check "chunked upload 201" 201 "$CODE"
call "https://$SRC$(hdr Location)" "${SAUTH[@]}"
check "chunked upload stored" hello "$(cat "$T/b")"
fakectl POST /config '{"temp_contents_location":"legacy"}' >/dev/null
call -X POST "$S/temp-contents" --data-binary @"$T/hello.txt" "${SAUTH[@]}"
check "legacy Location" "/v1/temp-contents/" "$(hdr Location | cut -c1-18)"
fakectl POST /config '{"temp_contents_location":"api"}' >/dev/null
fakectl POST /clock '{"advance_seconds":2}' >/dev/null
call "https://$SRC$SHORT" "${SAUTH[@]}"
check "expired temp content 410" 410 "$CODE"
call "https://$SRC$SHORT/details" "${SAUTH[@]}"
check "expired details 410" 410 "$CODE"
token "$SRC" region-us rsecret; SAUTH=(-H "Authorization: Bearer $TOKV")
token "$DST" region-us rsecret; DAUTH=(-H "Authorization: Bearer $TOKV")

# tus
TUS=(-H 'Tus-Resumable: 1.0.0')
call -X POST "$S/temp-contents/files" "${TUS[@]}" -H 'Upload-Length: 10' \
    -H "Upload-Metadata: filename $(printf 'tus.bin' | base64),ttl $(printf 600 | base64)" "${SAUTH[@]}"
check "tus create 201" 201 "$CODE"
TLOC=$(hdr Location)
check "tus Location" "/api/v1/temp-contents/files/" "${TLOC:0:28}"
TUSID=${TLOC##*/}
P=(-X PATCH -H 'Content-Type: application/offset+octet-stream' "${TUS[@]}")
call "${P[@]}" "https://$SRC$TLOC" -H 'Upload-Offset: 0' --data-binary 'abcd' "${SAUTH[@]}"
check "tus patch 204" "204 4" "$CODE $(hdr Upload-Offset)"
call "$S/temp-contents/$TUSID" "${SAUTH[@]}"
check "incomplete upload 204" 204 "$CODE"
call "${P[@]}" "https://$SRC$TLOC" -H 'Upload-Offset: 0' --data-binary 'efgh' "${SAUTH[@]}"
check "tus offset mismatch 409" 409 "$CODE"
call -X PATCH "https://$SRC$TLOC" "${TUS[@]}" -H 'Content-Type: application/octet-stream' -H 'Upload-Offset: 4' --data-binary 'efgh' "${SAUTH[@]}"
check "tus wrong content type 415" 415 "$CODE"
call -X PATCH "https://$SRC$TLOC" -H 'Content-Type: application/offset+octet-stream' -H 'Upload-Offset: 4' --data-binary 'efgh' "${SAUTH[@]}"
check "tus without Tus-Resumable 412" "412 1.0.0" "$CODE $(hdr Tus-Version)"
call -I "https://$SRC$TLOC" "${TUS[@]}" "${SAUTH[@]}"
check "tus HEAD offset" "200 4 10" "$CODE $(hdr Upload-Offset) $(hdr Upload-Length)"
call "${P[@]}" "https://$SRC$TLOC" -H 'Upload-Offset: 4' --data-binary 'efghijk' "${SAUTH[@]}"
check "tus patch past Upload-Length 413" 413 "$CODE"
call "${P[@]}" "https://$SRC$TLOC" -H 'Upload-Offset: 4' --data-binary 'efghij' "${SAUTH[@]}"
check "tus final patch" "204 10" "$CODE $(hdr Upload-Offset)"
call "$S/temp-contents/$TUSID" "${SAUTH[@]}"
check "tus upload complete" "200 abcdefghij" "$CODE $(cat "$T/b")"
call -X POST "$S/temp-contents/files" "${TUS[@]}" "${SAUTH[@]}"
check "tus create without Upload-Length 400" 400 "$CODE"

# ---- apps: get, export, download (50 MiB) ---------------------------------------------------
call "$S/apps/$TPL_APP" "${SAUTH[@]}"
check "get app" "200 Template App $TPL_SPACE" "$CODE $(jget "$T/b" 'd["attributes"]["name"]') $(jget "$T/b" 'd["attributes"]["spaceId"]')"
check "NxApp shape" True "$(jtrue "$T/b" 'd["attributes"]["published"] is False and d["attributes"]["publishTime"] == "" and d["attributes"]["originAppId"] == "" and "export" in d["privileges"] and d["create"]')"
call "$S/apps/00000000-0000-0000-0000-000000000000" "${SAUTH[@]}"
check "unknown app 404" 404 "$CODE"
check "apps error shape (no traceId)" True "$(jtrue "$T/b" '"traceId" not in d and "status" not in d["errors"][0]')"
call "$S/apps/privileges" "${SAUTH[@]}"
check "app privileges" "200 true" "$CODE $(jget "$T/b" '"can_import_app" in d')"
call -X POST "$S/apps/$TPL_APP/export" "${SAUTH[@]}"
check "export 201 empty body" "201 0" "$CODE $(stat -c %s "$T/b")"
XLOC=$(hdr Location)
check "export Location" "/api/v1/temp-contents/" "${XLOC:0:22}"
S0=$(date +%s%N)
"${CURL[@]}" --max-time 120 -o "$T/app.qvf" -w '%{http_code}' "https://$SRC$XLOC" "${SAUTH[@]}" >"$T/code"
E=$(( ($(date +%s%N) - S0) / 1000000 ))
check "download 50 MiB" "200 52428800" "$(cat "$T/code") $(stat -c %s "$T/app.qvf")"
check "downloaded bytes = seeded sha256" "$TPL_SHA" "$(sha "$T/app.qvf")"
echo "content: 50 MiB download in ${E} ms" >&2
call "https://$SRC$XLOC" -H 'Range: bytes=52428700-' "${SAUTH[@]}"
check "Range on an export" "206 100" "$CODE $(stat -c %s "$T/b")"
check "Range bytes match" "$(tail -c 100 "$T/app.qvf" | sha256sum | cut -d' ' -f1)" "$(sha "$T/b")"
call -X POST "$S/apps/$TPL_APP/export?NoData=true" "${SAUTH[@]}"
check "export NoData 201" 201 "$CODE"
call "https://$SRC$(hdr Location)/details" "${SAUTH[@]}"
check "NoData export is smaller" 524288 "$(jget "$T/b" 'd["Size"]')"
call -X POST "$S/apps/$TPL_APP/export?NoData=maybe" "${SAUTH[@]}"
check "export bad NoData 400" 400 "$CODE"
call -X POST "$S/apps/$PUB_APP/export" "${SAUTH[@]}"
check "export from a managed space 403" 403 "$CODE"
call -X POST "$S/apps/00000000-0000-0000-0000-000000000000/export" "${SAUTH[@]}"
check "export unknown app 404" 404 "$CODE"

# ---- import on the other tenant: raw body (50 MiB) and fileId --------------------------------
S0=$(date +%s%N)
call --max-time 120 -X POST "$D/apps/import?spaceId=$STAGE" -H 'Content-Type: application/octet-stream' -T "$T/app.qvf" "${DAUTH[@]}"
E=$(( ($(date +%s%N) - S0) / 1000000 ))
check "import raw body 200" 200 "$CODE"
echo "content: 50 MiB upload+import in ${E} ms" >&2
IMP=$(jget "$T/b" 'd["attributes"]["id"]')
check "imported app" "Template App $STAGE false" "$(jget "$T/b" 'd["attributes"]["name"]') $(jget "$T/b" 'd["attributes"]["spaceId"]') $(jget "$T/b" 'd["attributes"]["published"]')"
check "import made a new id" True "$([ "$IMP" != "$TPL_APP" ] && [ ${#IMP} -eq 36 ] && echo True || echo False)"
fakectl GET /state >"$T/state.json"
check "imported bytes = source bytes (sha256 in /state)" "52428800 $TPL_SHA" "$(jget "$T/state.json" '[(a["size"], a["sha256"]) for t in d["tenants"] if t["hostnames"][0] == "'$DST'" for a in t["apps"] if a["id"] == "'$IMP'"][0][0]') $(jget "$T/state.json" '[a["sha256"] for t in d["tenants"] if t["hostnames"][0] == "'$DST'" for a in t["apps"] if a["id"] == "'$IMP'"][0]')"
call "$D/items?resourceType=app&resourceId=$IMP" "${DAUTH[@]}"
check "import created an item" "1 $STAGE" "$(jget "$T/b" 'len(d["data"])') $(jget "$T/b" 'd["data"][0]["spaceId"]')"
call -X POST "$D/temp-contents?filename=copy.qvf" -T "$T/app.qvf" "${DAUTH[@]}"
FID=$(hdr Location); FID=${FID##*/}
call -X POST "$D/apps/import?fileId=$FID&name=From%20file" -H 'Content-Type: application/octet-stream' "${DAUTH[@]}"
check "import by fileId" "200 From file" "$CODE $(jget "$T/b" 'd["attributes"]["name"]')"
check "no spaceId = personal (no attributes.spaceId)" False "$(jtrue "$T/b" '"spaceId" in d["attributes"]')"
PERS=$(jget "$T/b" 'd["attributes"]["id"]')
call "$D/items?spaceId=personal" "${DAUTH[@]}"
check "personal item" "$PERS" "$(jget "$T/b" 'd["data"][0]["resourceId"]')"
call -X POST "$D/apps/import?fileId=000000000000000000000000" "${DAUTH[@]}"
check "import unknown fileId 404" 404 "$CODE"
call -X POST "$S/apps/import?fileId=$EMPTY" "${SAUTH[@]}"
check "import of an empty upload 400" 400 "$CODE"
call -X POST "$D/apps/import" -H 'Content-Type: application/octet-stream' "${DAUTH[@]}"
check "import without a file 400" 400 "$CODE"
call -X POST "$D/apps/import?fileId=$FID" --data-binary @"$T/hello.txt" "${DAUTH[@]}"
check "import with body and fileId 400" 400 "$CODE"
call -X POST "$D/apps/import?fileId=$FID&spaceId=000000000000000000000000" "${DAUTH[@]}"
check "import into unknown space 404" 404 "$CODE"
call -X POST "$D/apps/import?fileId=$FID&spaceId=$LIVE" "${DAUTH[@]}"
check "import into a managed space 403" 403 "$CODE"
call -X POST "$D/apps/import?fileId=$FID&mode=autoreplace&name=From%20file" "${DAUTH[@]}"
check "import mode autoreplace replaces the app of that name (same id)" "200 $PERS" "$CODE $(jget "$T/b" 'd["attributes"]["id"]')"
call "$D/items?spaceId=personal&name=From%20file" "${DAUTH[@]}"
check "autoreplace made no second app" 1 "$(jget "$T/b" 'len(d["data"])')"
call -X POST "$D/apps/import?fileId=$FID&mode=overwrite" "${DAUTH[@]}"
check "import bad mode 400" 400 "$CODE"

# ---- publish / republish ----------------------------------------------------------------------
jcall POST "$D/apps/$IMP/publish" "{\"spaceId\":\"$LIVE\"}" "${DAUTH[@]}"
check "publish 200" 200 "$CODE"
PUBD=$(jget "$T/b" 'd["attributes"]["id"]')
check "published copy" "true $IMP $LIVE" "$(jget "$T/b" 'd["attributes"]["published"]') $(jget "$T/b" 'd["attributes"]["originAppId"]') $(jget "$T/b" 'd["attributes"]["spaceId"]')"
check "publishTime set, new id" True "$(jtrue "$T/b" 'd["attributes"]["publishTime"] != "" and d["attributes"]["id"] != "'$IMP'"')"
call "$D/items?resourceType=app&spaceId=$LIVE" "${DAUTH[@]}"
check "published item" "$PUBD $IMP" "$(jget "$T/b" 'd["data"][0]["resourceId"]') $(jget "$T/b" 'd["data"][0]["resourceAttributes"]["originAppId"]')"
jcall POST "$D/apps/$IMP/publish" "{\"spaceId\":\"$LIVE\"}" "${DAUTH[@]}"
check "publish twice to one space 409" 409 "$CODE"
jcall POST "$D/apps/$IMP/publish" "{\"spaceId\":\"$STAGE\"}" "${DAUTH[@]}"
check "publish to a shared space 403" 403 "$CODE"
jcall POST "$D/apps/$IMP/publish" '{}' "${DAUTH[@]}"
check "publish without spaceId 400" 400 "$CODE"
jcall POST "$D/apps/$IMP/publish" "{\"spaceId\":\"$LIVE\",\"target\":\"x\"}" "${DAUTH[@]}"
check "publish unknown field 400" 400 "$CODE"
jcall POST "$D/apps/$IMP/publish" '{"spaceId":"000000000000000000000000"}' "${DAUTH[@]}"
check "publish to unknown space 404" 404 "$CODE"
jcall POST "$D/apps/$PUBD/publish" "{\"spaceId\":\"$LIVE\"}" "${DAUTH[@]}"
check "publish from a managed space 400" 400 "$CODE"
jcall PUT "$D/apps/$IMP/publish" "{\"targetId\":\"$PUBD\"}" "${DAUTH[@]}"
check "republish 200 same id" "200 $PUBD" "$CODE $(jget "$T/b" 'd["attributes"]["id"]')"
jcall PUT "$D/apps/$PERS/publish" "{\"targetId\":\"$PUBD\"}" "${DAUTH[@]}"
check "republish from another origin 400" 400 "$CODE"
jcall PUT "$D/apps/$PERS/publish" "{\"targetId\":\"$PUBD\",\"checkOriginAppId\":false,\"attributes\":{\"name\":\"Renamed\"}}" "${DAUTH[@]}"
check "republish checkOriginAppId false" "200 $PERS Renamed" "$CODE $(jget "$T/b" 'd["attributes"]["originAppId"]') $(jget "$T/b" 'd["attributes"]["name"]')"
jcall PUT "$D/apps/$PERS/publish" "{\"spaceId\":\"$LIVE\"}" "${DAUTH[@]}"
check "republish by spaceId finds the app published from it" "200 $PUBD" "$CODE $(jget "$T/b" 'd["attributes"]["id"]')"
jcall PUT "$D/apps/$IMP/publish" "{\"spaceId\":\"$LIVE\"}" "${DAUTH[@]}"
check "republish by spaceId with nothing published from it 404" 404 "$CODE"
jcall PUT "$D/apps/$IMP/publish" '{}' "${DAUTH[@]}"
check "republish without targetId 400" 400 "$CODE"
jcall PUT "$D/apps/$IMP/publish" "{\"targetId\":\"$IMP\"}" "${DAUTH[@]}"
check "republish onto an unpublished app 400" 400 "$CODE"
# eventual consistency knob: publishing into a just-created space fails until it settles
fakectl POST /config '{"publish_settle_ms":60000}' >/dev/null
jcall POST "$D/spaces" '{"name":"Fresh","type":"managed"}' "${DAUTH[@]}"
FRESH=$(jget "$T/b" 'd["id"]')
jcall POST "$D/apps/$IMP/publish" "{\"spaceId\":\"$FRESH\"}" "${DAUTH[@]}"
check "publish into a fresh space 403 (publish_settle_ms)" 403 "$CODE"
fakectl POST /config '{"publish_settle_ms":0}' >/dev/null
jcall POST "$D/apps/$IMP/publish" "{\"spaceId\":\"$FRESH\"}" "${DAUTH[@]}"
check "publish once settled 200" 200 "$CODE"
call -X DELETE "$D/spaces/$FRESH" "${DAUTH[@]}"
check "delete a space with apps 412" 412 "$CODE"
call -X DELETE "$S/spaces/$M2SP" "${SAUTH[@]}"
check "delete an empty space 204" 204 "$CODE"
call -X DELETE "$D/apps/$PERS" "${DAUTH[@]}"
check "delete app 200" 200 "$CODE"
call "$D/apps/$PERS" "${DAUTH[@]}"
check "deleted app 404" 404 "$CODE"
call "$D/items?spaceId=personal" "${DAUTH[@]}"
check "deleted app's item gone" 0 "$(jget "$T/b" 'len(d["data"])')"
fakectl GET /state >"$T/state.json"
check "/state has spaces, apps, items, temp contents" True "$(jtrue "$T/state.json" 'all(k in t for t in d["tenants"] for k in ("spaces", "apps", "items", "temp_contents"))')"
