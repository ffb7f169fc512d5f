#!/usr/bin/env bash
# `npm test`: installs what the tests need when it is missing (Chromium, and PostgreSQL, Redis and
# HAProxy for the scale-out tests, from Debian), builds, runs every test. The tests start private
# PostgreSQL/Redis/HAProxy instances on free ports (test/services); they never use shared ones.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  echo "test: installing ${need[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

npm run --silent build
# Types over src, the page and the tests; then the lint rules (layer boundaries, no cycles, typed rules).
npm run --silent typecheck
npm run --silent lint
if [ $# -gt 0 ]; then exec npx vitest run "$@"; fi
npx vitest run --project sqlite --project postgres
# Alone, so its latency figures measure the attack and not the rest of the suite.
exec npx vitest run --project security
