# Canned answers, sourced by selftest.sh (needs call, check, jget, hdr, token, fakectl, $ACME,
# $T, $PY): an endpoint the fake does not implement, served as the control port says, behind
# the same edge (token for that host, rate limit of its tier), in the request log.
C=https://$ACME/api/v1
token $ACME region-us rsecret; CAUTH=(-H "Authorization: Bearer $TOKV")
token beta.us.qlikcloud.com region-us rsecret; BAUTH=(-H "Authorization: Bearer $TOKV")
call "$C/themes" "${CAUTH[@]}"
check "themes not implemented: 501" 501 "$CODE"

fakectl POST /canned '{"method":"GET","path":"/api/v1/themes","json":{"data":[{"id":"t1","name":"Brand"}]}}' >"$T/cn.json"
CID=$(jget "$T/cn.json" 'd["id"]')
call "$C/themes" "${CAUTH[@]}"
check "canned GET: 200, its JSON" "200 Brand" "$CODE $(jget "$T/b" 'd["data"][0]["name"]')"
check "canned JSON content type" "application/json; charset=utf-8" "$(hdr Content-Type)"
call "$C/themes"
check "canned answers need a token: 401" 401 "$CODE"
call "$C/themes" "${BAUTH[@]}"
check "canned answers need a token of that host: beta's token on acme 401" 401 "$CODE"
call -X POST "$C/themes" "${CAUTH[@]}" --data-binary x
check "canned method only: POST is still 501" 501 "$CODE"
fakectl GET /canned >"$T/cl.json"
check "canned list: one, hit once" "1 1" "$(jget "$T/cl.json" 'len(d["canned"])') $(jget "$T/cl.json" 'd["canned"][0]["hits"]')"

# A multipart upload and a binary upload: the log holds their exact bytes' size and SHA-256
# (a binary body of up to 64 kB in base64 too).
fakectl POST /canned '{"method":"POST","path":"/api/v1/themes","status":201,"json":{"id":"t2"},"headers":{"Location":"/api/v1/themes/t2"}}' >/dev/null
head -c 3000 /dev/urandom >"$T/theme.zip"
fakectl DELETE /requests >/dev/null
call -X POST "$C/themes" "${CAUTH[@]}" -F "file=@$T/theme.zip;type=application/zip" -F 'data={"name":"Brand"};type=application/json'
check "canned multipart POST: 201, its Location" "201 /api/v1/themes/t2" "$CODE $(hdr Location)"
fakectl GET "/requests?path=/api/v1/themes&method=POST" >"$T/rq.json"
check "log: multipart content type" True "$(jget "$T/rq.json" 'str([h[1] for h in d["requests"][0]["headers"] if h[0].lower()=="content-type"][0].startswith("multipart/form-data; boundary="))')"
check "log: the zip's bytes are in the body" True "$(jget "$T/rq.json" 'str(__import__("base64").b64decode(d["requests"][0]["body_base64"]).find(open("'"$T"'/theme.zip","rb").read()) > 0)')"
fakectl POST /canned '{"method":"PUT","path":"/api/v1/extensions/*","status":204}' >/dev/null
call -X PUT "$C/extensions/e1" "${CAUTH[@]}" -H 'Content-Type: application/octet-stream' --data-binary "@$T/theme.zip"
check "canned prefix PUT 204" 204 "$CODE"
fakectl GET "/requests?path=/api/v1/extensions/e1&last=1" >"$T/rq.json"
check "log: exact size and SHA-256 of a binary body" "3000 $(sha256sum "$T/theme.zip" | cut -d' ' -f1)" \
    "$(jget "$T/rq.json" 'd["requests"][0]["body_size"]') $(jget "$T/rq.json" 'd["requests"][0]["body_sha256"]')"

# Text and bytes back; a sequence by times; errors in Qlik's shape.
fakectl POST /canned '{"path":"/api/v1/themes/*/file/*","body":"Reload started\nLines fetched: 3\n"}' >/dev/null
call "$C/themes/t2/file/readme.txt" "${CAUTH[@]}"
check "canned text: 200 text/plain" "200 text/plain; charset=utf-8" "$CODE $(hdr Content-Type)"
check "canned text body" "Reload started|Lines fetched: 3|" "$(tr '\n' '|' <"$T/b")"
fakectl POST /canned "{\"path\":\"/api/v1/themes/t2/file\",\"body_base64\":\"$(base64 -w0 "$T/theme.zip")\",\"content_type\":\"application/zip\"}" >/dev/null
call "$C/themes/t2/file" "${CAUTH[@]}"
check "canned bytes: exact, application/zip" "200 application/zip same" "$CODE $(hdr Content-Type) $(cmp -s "$T/b" "$T/theme.zip" && echo same)"
fakectl POST /canned '{"canned":[{"path":"/api/v1/automations/a1/runs/r9","times":2,"status":202,"json":{"status":"running"}},{"path":"/api/v1/automations/a1/runs/r9","json":{"status":"finished"}}]}' >/dev/null
S=; for i in 1 2 3; do call "$C/automations/a1/runs/r9" "${CAUTH[@]}"; S="$S $CODE:$(jget "$T/b" 'd["status"]')"; done
check "canned sequence by times" " 202:running 202:running 200:finished" "$S"
fakectl POST /canned '{"path":"/api/v1/themes/missing","status":404,"code":"THEME-NOT-FOUND","title":"Theme not found"}' >/dev/null
call "$C/themes/missing" "${CAUTH[@]}"
check "canned error in Qlik's shape" "404 THEME-NOT-FOUND 404 32" "$CODE $(jget "$T/b" 'd["errors"][0]["code"]') $(jget "$T/b" 'd["errors"][0]["status"]') $(jget "$T/b" 'len(d["traceId"])')"
fakectl POST /canned "{\"host\":\"beta.us.qlikcloud.com\",\"path\":\"/api/v1/brands\",\"json\":{}}" >/dev/null
call "$C/brands" "${CAUTH[@]}"
check "canned for another host: acme still 501" 501 "$CODE"
call "https://beta.us.qlikcloud.com/api/v1/brands" "${BAUTH[@]}"
check "canned for its host: beta 200" 200 "$CODE"

# Rate limits: a write not in Qlik's specs is tier 2, a read tier 1, or the tier given.
fakectl POST /config '{"rate_limits":{"window":60,"tier1":3,"tier2":2}}' >/dev/null
S=; for i in 1 2 3; do call -X POST "$C/themes" "${CAUTH[@]}" --data-binary x; S="$S $CODE"; done
check "canned POST is tier 2: third call 429" " 201 201 429" "$S"
fakectl POST /canned '{"path":"/api/v1/brands/b1","tier":"special","limit":1,"json":{}}' >/dev/null
S=; for i in 1 2; do call "$C/brands/b1" "${CAUTH[@]}"; S="$S $CODE"; done
check "canned special tier, 1 a minute: second call 429" " 200 429" "$S"
check "canned 429 has retry-after" True "$("$PY" -S -c "print(int('$(hdr retry-after)') >= 1)")"
fakectl POST /config '{"rate_limits":{"enabled":true,"window":300,"tier1":1000,"tier2":100}}' >/dev/null

# Bad specs, removal, reset.
fakectl POST /canned '{"path":"/oauth/token","json":{}}' >/dev/null 2>&1
check "canned path outside /api/ refused" 1 "$?"
fakectl POST /canned '{"path":"/api/v1/x","headers":{"Content-Length":"3"}}' >/dev/null 2>&1
check "canned framing header refused" 1 "$?"
fakectl POST /canned '{"path":"/api/v1/x","body":"a","json":{}}' >/dev/null 2>&1
check "canned with two bodies refused" 1 "$?"
fakectl DELETE "/canned?id=$CID" >"$T/cd.json"
check "canned removed by id" 1 "$(jget "$T/cd.json" 'd["removed"]')"
call "$C/themes" "${CAUTH[@]}"
check "removed canned: 501 again" 501 "$CODE"
fakectl POST /reset >/dev/null
fakectl POST /seed "$(cat "$T/seed.json")" >/dev/null
check "reset clears canned answers" 0 "$(fakectl GET /canned | "$PY" -S -c 'import json,sys; print(len(json.load(sys.stdin)["canned"]))')"
