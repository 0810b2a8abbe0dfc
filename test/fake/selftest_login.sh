# JWT session login checks, sourced by selftest.sh (needs call, check, jget, jcall, hdr, $ACME,
# $AUTH, $T): POST /login/jwt-session with RS256 and ES256 JWTs signed by the keys of the
# tenant's JWT identity providers, the session cookie on /api calls, the CSRF header.
L=https://$ACME
openssl genrsa -out "$T/jwt-rsa.key" 2048 2>/dev/null
openssl rsa -in "$T/jwt-rsa.key" -pubout -out "$T/jwt-rsa.pub" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/jwt-ec.key"
openssl ec -in "$T/jwt-ec.key" -pubout -out "$T/jwt-ec.pub" 2>/dev/null
openssl req -new -x509 -key "$T/jwt-rsa.key" -out "$T/jwt-rsa.crt" -days 2 -subj /CN=jwt 2>/dev/null
openssl genrsa -out "$T/jwt-other.key" 2048 2>/dev/null
pemjson() { python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$1"; }
idp() { # idp ISSUER KID PEMFILE
    jcall POST "$L/api/v1/identity-providers" "{\"provider\":\"external\",\"protocol\":\"jwtAuth\",\"interactive\":false,\"options\":{\"issuer\":\"$1\",\"staticKeys\":[{\"kid\":\"$2\",\"pem\":$(pemjson "$3")}]}}" "${AUTH[@]}"
}
idp https://login-rsa.example kr "$T/jwt-rsa.pub"; check "JWT IdP with an RSA key 201" 201 "$CODE"
idp https://login-ec.example ke "$T/jwt-ec.pub"; check "JWT IdP with a P-256 key 201" 201 "$CODE"
idp https://login-crt.example kc "$T/jwt-rsa.crt"; check "JWT IdP with a certificate 201" 201 "$CODE"
N=0
fakectl GET /clock >"$T/clock.json"
export JWT_CLOCK_OFFSET=$(jget "$T/clock.json" 'd["offset_seconds"]')
claims() { # claims ISSUER SUB [EXTRA JSON members]
    N=$((N + 1))
    printf '{"iss":"%s","aud":"qlik.api/login/jwt-session","sub":"%s","subType":"user","name":"Emb %s","email":"%s@example.com","email_verified":true,"jti":"j%s-%s-'"$RANDOM$RANDOM"'","iat":"now","nbf":"now","exp":"now+600"%s}' \
        "$1" "$2" "$2" "$2" "$N" "$$" "${3:+,$3}"
}
login() { # login JWT : sets CODE, SID, CSRF
    call -X POST "$L/login/jwt-session" -H "Authorization: Bearer $1"
    SID=$(tr -d '\r' <"$T/h" | sed -n 's/^[Ss]et-[Cc]ookie: eas\.sid=\([^;]*\).*/\1/p')
    CSRF=$(tr -d '\r' <"$T/h" | sed -n 's/^[Ss]et-[Cc]ookie: _csrfToken=\([^;]*\).*/\1/p')
}
jcall PATCH "$L/api/v1/groups/settings" '[{"op":"replace","path":"/autoCreateGroups","value":true}]' "${AUTH[@]}"
check "autoCreateGroups on 204" 204 "$CODE"
J=$(python3 "$here/mkjwt.py" "$T/jwt-rsa.key" RS256 kr "$(claims https://login-rsa.example emb-1 '"groups":["Sales","Analysts"]')")
login "$J"
check "RS256 login 200 with both cookies" "200 True True" "$CODE $([ -n "$SID" ] && echo True || echo False) $([ -n "$CSRF" ] && echo True || echo False)"
check "session cookie is HttpOnly" True "$(grep -qi 'eas.sid=.*httponly' "$T/h" && echo True || echo False)"
SESS=(-H "Cookie: eas.sid=$SID")
call "$L/api/v1/users/me" "${SESS[@]}" -L
check "cookie session is the JWT's user" "200 emb-1 emb-1@example.com" "$CODE $(jget "$T/b" 'd["subject"]') $(jget "$T/b" 'd["email"]')"
check "the claims' groups were created and assigned" '["Analysts", "Sales"]' "$(jget "$T/b" 'sorted(d["groups"])')"
call "$L/api/v1/groups?filter=name%20eq%20%22Sales%22" "${AUTH[@]}"
check "group Sales exists (idp)" "1 idp" "$(jget "$T/b" 'len(d["data"])') $(jget "$T/b" 'd["data"][0]["providerType"]')"
call "$L/api/v1/csrf-token" "${SESS[@]}"
check "csrf-token 204 with the cookie's token" "204 $CSRF" "$CODE $(hdr qlik-csrf-token)"
call "$L/api/v1/csrf-token" "${AUTH[@]}"
check "csrf-token with a bearer token 400" 400 "$CODE"
jcall POST "$L/api/v1/spaces" '{"name":"Emb space","type":"shared"}' "${SESS[@]}"
check "non-GET with the cookie and no CSRF header 403" 403 "$CODE"
jcall POST "$L/api/v1/spaces" '{"name":"Emb space","type":"shared"}' "${SESS[@]}" -H "qlik-csrf-token: nope"
check "non-GET with a wrong CSRF header 403" 403 "$CODE"
jcall POST "$L/api/v1/spaces" '{"name":"Emb space","type":"shared"}' "${SESS[@]}" -H "qlik-csrf-token: $CSRF"
check "non-GET with the CSRF header passes, as the JWT's user" "201 $(jget "$T/b" 'd["ownerId"]')" "$CODE $(call "$L/api/v1/users/me" "${SESS[@]}" -L; jget "$T/b" 'd["id"]')"
call "https://beta.us.qlikcloud.com/api/v1/users/me" "${SESS[@]}"
check "the cookie is no session on another tenant 401" 401 "$CODE"
login "$J"
check "a jti is used once 401" 401 "$CODE"
login "$(python3 "$here/mkjwt.py" "$T/jwt-ec.key" ES256 ke "$(claims https://login-ec.example emb-2)")"
check "ES256 login 200" 200 "$CODE"
login "$(python3 "$here/mkjwt.py" "$T/jwt-rsa.key" RS256 kc "$(claims https://login-crt.example emb-3)")"
check "login with an IdP holding a certificate 200" 200 "$CODE"
login "$(python3 "$here/mkjwt.py" "$T/jwt-other.key" RS256 kr "$(claims https://login-rsa.example emb-4)")"
check "JWT signed by another key 401" "401 JWT signature verification failed" "$CODE $(jget "$T/b" 'd["errors"][0]["detail"]')"
login "$(python3 "$here/mkjwt.py" "$T/jwt-rsa.key" RS256 kx "$(claims https://login-rsa.example emb-4)")"
check "unknown kid 401" 401 "$CODE"
login "$(python3 "$here/mkjwt.py" "$T/jwt-rsa.key" RS256 kr "$(claims https://nobody.example emb-4)")"
check "unknown issuer 401" 401 "$CODE"
login "$(python3 "$here/mkjwt.py" "$T/jwt-rsa.key" RS256 kr "$(claims https://login-rsa.example emb-4 '"exp":"now-60"')")"
check "expired JWT 401" 401 "$CODE"
login "$(python3 "$here/mkjwt.py" "$T/jwt-rsa.key" RS256 kr "$(claims https://login-rsa.example emb-4 '"exp":"now+7200"')")"
check "exp - nbf over an hour 401" 401 "$CODE"
login "$(python3 "$here/mkjwt.py" "$T/jwt-rsa.key" RS256 kr '{"iss":"https://login-rsa.example","aud":"qlik.api/login/jwt-session","sub":"x","subType":"user","name":"x","email":"x@example.com","email_verified":true,"jti":"nonbf","iat":"now","exp":"now+60"}')"
check "missing nbf 400 as Qlik" "400 INTERNAL-TOKEN-1 JWT_LOGIN_VALIDATIONS Missing required claim: nbf" "$CODE $(jget "$T/b" 'd["errors"][0]["code"]') $(jget "$T/b" 'd["errors"][0]["detail"]')"
login "$(python3 "$here/mkjwt.py" "$T/jwt-rsa.key" HS256 kr "$(claims https://login-rsa.example emb-4)")"
check "HS256 refused 401" 401 "$CODE"
call -X POST "$L/login/jwt-session"
check "no JWT 401" 401 "$CODE"
fakectl GET /state >"$T/state.json"
check "JWT users created in the tenant" True "$(jget "$T/state.json" 'str(all(any(u["subject"] == s for t in d["tenants"] if t["hostnames"][0] == "'$ACME'" for u in t["users"]) for s in ("emb-1", "emb-2", "emb-3")))')"
