#!/usr/bin/env bash
# Exchange a partner-signed JWT for a Patchbay access token, then call the REST API with it.
# PATCHBAY_URL, CLIENT_ID, CLIENT_SECRET come from `patchbay partner create`;
# PARTNER_JWT is signed by your backend for one end user (see exchange.mjs).
set -euo pipefail

token_response=$(curl -sS --fail-with-body "$PATCHBAY_URL/oauth/token" \
  -u "$CLIENT_ID:$CLIENT_SECRET" \
  -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange \
  -d subject_token_type=urn:ietf:params:oauth:token-type:jwt \
  --data-urlencode "subject_token=$PARTNER_JWT")

access_token=$(printf '%s' "$token_response" | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).access_token))')

curl -sS --fail-with-body "$PATCHBAY_URL/v1/me" -H "Authorization: Bearer $access_token"
