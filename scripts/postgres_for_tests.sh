#!/usr/bin/env bash
# A local PostgreSQL server for the database tests and benchmark (issue 19, part 3), idempotent:
# installs Debian's server if it is missing (as root), creates a cluster `workbench` on a local
# port (default 54329) with a role and database `workbench`, starts it, and prints the URI to
# give the tests:
#
#   eval "$(scripts/postgres_for_tests.sh)"   # exports WORKBENCH_TEST_POSTGRES_URI
#
# As root (CI) it goes through Debian's pg_createcluster / pg_ctlcluster, which run the server
# as the `postgres` user (PostgreSQL refuses to run as root). As another user it runs initdb and
# pg_ctl in a folder of that user's ($WORKBENCH_PG_DIR, default ~/.cache/workbench-postgres).
# Only made-up data ever goes into this server; it listens on 127.0.0.1 only.
set -euo pipefail

port="${WORKBENCH_PG_PORT:-54329}"
name=workbench
password=workbench   # a test server on localhost holding synthetic data only
log() { echo "postgres_for_tests: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's postgresql"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  else
    log "no PostgreSQL server here and cannot install it (needs apt-get as root)"
    exit 1
  fi
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
bin=/usr/lib/postgresql/$version/bin

sql_as_owner() {  # psql as the server's superuser, over the local socket
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" -h "$socket" -d postgres "$@"
  else
    psql -X -q -v ON_ERROR_STOP=1 -p "$port" -h "$socket" -d postgres "$@"
  fi
}

if [ "$(id -u)" -eq 0 ]; then
  socket=/var/run/postgresql
  if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version $name"; then
    log "creating cluster $version/$name on port $port"
    pg_createcluster "$version" "$name" -p "$port" -- --auth-local=peer --auth-host=scram-sha-256 >&2
    # Local TCP only.
    echo "listen_addresses = '127.0.0.1'" >> "/etc/postgresql/$version/$name/postgresql.conf"
  fi
  if ! pg_lsclusters -h | awk -v v="$version" -v n="$name" '$1 == v && $2 == n {print $4}' | grep -q online; then
    log "starting cluster $version/$name"
    pg_ctlcluster "$version" "$name" start >&2
  fi
else
  dir="${WORKBENCH_PG_DIR:-$HOME/.cache/workbench-postgres}"
  socket="$dir/socket"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "creating a server in $dir"
    mkdir -p "$dir/socket"
    "$bin/initdb" -D "$dir/data" -U "$USER" --auth-local=trust --auth-host=scram-sha-256 >&2
  fi
  if ! "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    log "starting the server in $dir"
    "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start \
      -o "-p $port -k $socket -c listen_addresses=127.0.0.1" >&2
  fi
fi

for _ in $(seq 1 30); do
  sql_as_owner -c "select 1" >/dev/null 2>&1 && break
  sleep 1
done
sql_as_owner <<SQL
SELECT 'CREATE ROLE $name LOGIN PASSWORD ''$password'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$name') \gexec
SELECT 'CREATE DATABASE $name OWNER $name'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$name') \gexec
SQL
# The tests end other sessions of their own role (a connection dropped mid-read).
sql_as_owner -c "SET client_min_messages = warning; GRANT pg_signal_backend TO $name" >/dev/null
echo "export WORKBENCH_TEST_POSTGRES_URI=postgresql://$name:$password@127.0.0.1:$port/$name"
