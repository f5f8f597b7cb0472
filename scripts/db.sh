#!/usr/bin/env bash
# A project-local PostgreSQL 15 cluster for the main job and the client tests.
#
#   scripts/db.sh start    # initdb (once) and start on $DOSM_RAG_PORT (default 55432)
#   scripts/db.sh stop
#   scripts/db.sh status
#   scripts/db.sh psql [args]
#   scripts/db.sh url      # print a libpq URL for it
#   scripts/db.sh user     # the database superuser's name
#
# Data lives in $DOSM_RAG_PGDATA (default <repo>/.pgdata). As root, the server runs as the
# `postgres` user (PostgreSQL refuses to run as root); otherwise as the current user.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/common.sh
source "$ROOT/scripts/common.sh"

PGBIN=${PGBIN:-$(pg_config --bindir)}
PGDATA=${DOSM_RAG_PGDATA:-$ROOT/.pgdata}
PORT=${DOSM_RAG_PORT:-55432}
SOCKDIR=${DOSM_RAG_SOCKDIR:-/tmp}

if [ "$(id -u)" -eq 0 ]; then
  DBUSER=postgres
  as_db() { sudo -u postgres -- "$@"; }
else
  DBUSER=$(id -un)
  as_db() { "$@"; }
fi

url() { echo "postgresql://$DBUSER@127.0.0.1:$PORT/postgres"; }

status() { [ -f "$PGDATA/PG_VERSION" ] && as_db "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

start() {
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    [ "$DBUSER" = postgres ] && chown postgres: "$PGDATA"
    chmod 700 "$PGDATA"
    as_db "$PGBIN/initdb" -D "$PGDATA" -U "$DBUSER" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKDIR'
max_connections = 100
shared_buffers = 256MB
logging_collector = off
CONF
    info "initialised cluster in $PGDATA"
  fi
  if status; then
    info "already running on port $PORT"
    return
  fi
  as_db "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start >/dev/null ||
    die "postgres did not start; see $PGDATA/server.log"
  info "started on port $PORT (log: $PGDATA/server.log)"
}

stop() {
  if status; then
    as_db "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    info "stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status && echo running || echo stopped ;;
  url) url ;;
  user) echo "$DBUSER" ;;
  psql)
    shift
    psql "$(url)" -X -v ON_ERROR_STOP=1 "$@"
    ;;
  *)
    echo "usage: $0 start|stop|status|url|psql [args]" >&2
    exit 2
    ;;
esac
