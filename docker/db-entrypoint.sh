#!/bin/sh
# First start: initdb with the password from POSTGRES_PASSWORD (md5/scram for TCP), create the
# extension in POSTGRES_DB. Later starts of a primary: bring the extension up to the version this
# image ships (DOSM_RAG_UPDATE_EXTENSION=0 skips it; a standby replays its primary's instead).
# Then run postgres in the foreground, with this script's arguments (e.g. -c name=value).
set -eu
BIN=/usr/lib/postgresql/15/bin
DB=${POSTGRES_DB:-postgres}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pw=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}" >"$pw"
  "$BIN/initdb" -D "$PGDATA" -U postgres --pwfile="$pw" -A scram-sha-256 --auth-local=peer -E UTF8 --locale=C.UTF-8
  rm -f "$pw"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  "$BIN/pg_ctl" -D "$PGDATA" -w start -o "-c listen_addresses=''"
  [ "$DB" = postgres ] || "$BIN/createdb" "$DB"
  "$BIN/psql" -d "$DB" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS dosm_rag CASCADE"
  "$BIN/pg_ctl" -D "$PGDATA" -w stop
elif [ ! -f "$PGDATA/standby.signal" ] && [ "${DOSM_RAG_UPDATE_EXTENSION:-1}" = 1 ]; then
  # Socket-only, so no client connects before the update is done (an update can rewrite a large
  # table: minutes); -t: crash recovery after an unclean stop may take long too.
  "$BIN/pg_ctl" -D "$PGDATA" -w -t 3600 start -o "-c listen_addresses=''"
  "$BIN/psql" -d "$DB" -X -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS dosm_rag CASCADE" \
    -c "ALTER EXTENSION dosm_rag UPDATE"
  "$BIN/pg_ctl" -D "$PGDATA" -w -t 3600 stop
fi
exec "$BIN/postgres" -D "$PGDATA" "$@"
