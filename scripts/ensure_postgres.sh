#!/usr/bin/env bash
# Make sure PostgreSQL 15 server binaries and a `postgres` user exist (the e2e tests start
# their own server on loopback with them). Installs Debian's postgresql-15 when missing.
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && id postgres >/dev/null 2>&1; then
  exit 0
fi
echo "PostgreSQL 15 not found under $PG_BIN: installing Debian's postgresql-15" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
