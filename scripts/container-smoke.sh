#!/usr/bin/env bash
# Build Hearth's image, start it with PostgreSQL (compose.yaml), wait until /readyz answers, run
# one GraphQL query and scrape /metrics, then stop and remove everything (volumes included).
# Needs Docker with the compose plugin (or CONTAINER=podman with podman-compose). Run it from the
# repository's root where a container engine exists: `bash scripts/container-smoke.sh`.
# Exit status 0: the image builds, migrates an empty database, serves and is ready.
set -euo pipefail

cd "$(dirname "$0")/.."
ENGINE="${CONTAINER:-docker}"
if [ "$ENGINE" = podman ]; then COMPOSE=(podman-compose); else COMPOSE=("$ENGINE" compose); fi
PROJECT="hearth-smoke-$$"
PORT="${HEARTH_PORT_PUBLISHED:-18000}"
PY="${PYTHON:-python3}"

# Throw-away secrets for this run only (never reuse them).
key() { "$PY" -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())'; }
export POSTGRES_PASSWORD="smoke-$(key | tr -dc 'A-Za-z0-9' | head -c 24)"
export HEARTH_SSN_KEYS="smoke:$(key)"
export HEARTH_SSN_HASH_KEY="$(key)"
export HEARTH_METRICS_TOKEN="smoke-$(key | tr -dc 'A-Za-z0-9' | head -c 24)"
export HEARTH_PORT_PUBLISHED="$PORT"
IMAGE=hearth:local

compose() { "${COMPOSE[@]}" --project-name "$PROJECT" "$@"; }
cleanup() { compose down --volumes --remove-orphans >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "== build"
"$ENGINE" build -t "$IMAGE" .
# An Ed25519 signing key (a private JWK), made by the image's own joserfc.
HEARTH_SIGNING_KEY="$("$ENGINE" run --rm "$IMAGE" python3 -c 'import json; from joserfc.jwk import OKPKey; print(json.dumps(OKPKey.generate_key("Ed25519").as_dict(private=True)))')"
export HEARTH_SIGNING_KEY

echo "== up"
compose up --detach
echo "== waiting for /readyz"
for _ in $(seq 90); do
  if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
  sleep 2
done
curl -fsS "http://127.0.0.1:$PORT/readyz"; echo
echo "== one query"
answer="$(curl -fsS -H 'content-type: application/json' \
  -d '{"query":"query Smoke { __typename }","operationName":"Smoke"}' \
  "http://127.0.0.1:$PORT/graphql")"
echo "$answer"
[ "$answer" = '{"data":{"__typename":"Query"}}' ]
echo "== metrics"
curl -fsS -H "Authorization: Bearer $HEARTH_METRICS_TOKEN" "http://127.0.0.1:$PORT/metrics" \
  | grep -E '^hearth_requests_total\{.*operation="Smoke"'
echo "== logs (JSON lines)"
compose logs hearth | tail -n 5
echo "container smoke test passed"
