#!/bin/bash
# One PostgreSQL server of the pair, in the official postgres:16 image (the compose file mounts
# this as the entrypoint). Which role it takes is decided here, at start, from its data directory:
#
#   empty, BANCA_DB_INIT=primary  the image's own initdb, then init-primary.sh. Refused while the
#                                 peer answers: a fresh, empty primary next to a live one would
#                                 take the data servers' writes (they use the first that does).
#   empty, BANCA_DB_INIT=standby  waits for the peer to run as a primary, pg_basebackup -R of it,
#                                 then starts as its standby (streaming, application_name ours).
#   a standby's                   starts as that standby.
#   a primary's                   starts, unless the peer runs as a primary as well: then this is
#                                 the old primary of a failover. It is fenced for good (a marker in
#                                 its data directory) and must be rebuilt as the standby.
#
# Failover is manual (deploy/README.md). Other commands, for the operator:
#   synchronous on|off   the primary waits for the peer as its synchronous standby, or runs alone.
#   write-role-conf NAME the synchronous standby this server waits for when primary ("" none).
set -euo pipefail

PGDATA=${PGDATA:-/var/lib/postgresql/data}
ROLE_CONF="$PGDATA/banca-role.conf"
FENCE="$PGDATA/banca-fenced"

log() { echo "banca-postgres: $*" >&2; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then gosu postgres "$@"; else "$@"; fi
}

# primary, standby or down (not reachable, or not answering SQL yet).
peer_role() {
  local recovery
  recovery=$(PGPASSWORD="$POSTGRES_PASSWORD" PGCONNECT_TIMEOUT=3 psql -h "$BANCA_DB_PEER_HOST" -p 5432 \
    -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null) || { echo down; return; }
  case "$recovery" in
    f) echo primary ;;
    t) echo standby ;;
    *) echo down ;;
  esac
}

write_role_conf() {
  local names=''
  if [ -n "$1" ]; then names="\"$1\""; fi
  printf "%s\nsynchronous_standby_names = '%s'\n" \
    '# Written by banca-postgres.sh: the synchronous standby this server waits for when it is the primary.' "$names" \
    | as_postgres bash -c "umask 077; cat > '$ROLE_CONF'"
}

start_standby_from_peer() {
  local waited=0
  until [ "$(peer_role)" = primary ]; do
    if [ $((waited % 30)) = 0 ]; then log "waiting for $BANCA_DB_PEER_HOST to run as the primary (${waited}s)"; fi
    sleep 2
    waited=$((waited + 2))
  done
  log "pg_basebackup of $BANCA_DB_PEER_HOST into $PGDATA"
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  PGPASSWORD="$BANCA_REPLICATION_PASSWORD" as_postgres pg_basebackup -h "$BANCA_DB_PEER_HOST" -p 5432 -U replicator -D "$PGDATA" \
    -R -X stream -c fast -d "application_name=$BANCA_DB_APPLICATION_NAME"
  # pg_basebackup -R wrote standby.signal and a primary_conninfo; written again here so that it
  # holds exactly what the standby needs (the peer's name, as both hosts resolve it).
  local auto="$PGDATA/postgresql.auto.conf"
  grep -v '^primary_conninfo' "$auto" > "$auto.new" || true
  echo "primary_conninfo = 'host=$BANCA_DB_PEER_HOST port=5432 user=replicator password=$BANCA_REPLICATION_PASSWORD application_name=$BANCA_DB_APPLICATION_NAME'" >> "$auto.new"
  chown postgres:postgres "$auto.new"
  chmod 600 "$auto.new"
  mv "$auto.new" "$auto"
  # The copy names this server as the one to wait for; promoted one day, it runs alone until a
  # standby is made for it (then: synchronous on).
  write_role_conf ''
}

start() {
  : "${BANCA_DB_INIT:?BANCA_DB_INIT: primary or standby}" "${BANCA_DB_PEER_HOST:?}" "${BANCA_DB_APPLICATION_NAME:?}"
  : "${POSTGRES_USER:?}" "${POSTGRES_DB:?}" "${POSTGRES_PASSWORD:?}" "${BANCA_REPLICATION_PASSWORD:?}"
  if [ -e "$FENCE" ]; then
    log "refused: $(cat "$FENCE")"
    exit 1
  fi
  if [ -s "$PGDATA/PG_VERSION" ]; then
    if [ ! -e "$PGDATA/standby.signal" ] && [ "$(peer_role)" = primary ]; then
      echo "fenced at $(date -u +%FT%TZ): $BANCA_DB_PEER_HOST runs as the primary, so this is the old primary of a failover. Rebuild it as the standby (deploy/README.md): remove its volume and start it with BANCA_DB_INIT=standby." > "$FENCE"
      log "refused: $(cat "$FENCE")"
      exit 1
    fi
  else
    case "$BANCA_DB_INIT" in
      primary)
        if PGCONNECT_TIMEOUT=3 pg_isready -q -h "$BANCA_DB_PEER_HOST" -p 5432; then
          log "refused: the data directory is empty and $BANCA_DB_PEER_HOST answers; an empty server starts as the primary only when its peer does not run. To rebuild this one as the standby, set its BANCA_DB_*_INIT=standby in .env."
          exit 1
        fi
        ;;
      standby) start_standby_from_peer ;;
      *) log "BANCA_DB_INIT is \"$BANCA_DB_INIT\": primary or standby"; exit 1 ;;
    esac
  fi
  exec docker-entrypoint.sh postgres
}

synchronous() {
  : "${BANCA_DB_PEER_APPLICATION_NAME:?}"
  case "${1:-}" in
    on) write_role_conf "$BANCA_DB_PEER_APPLICATION_NAME" ;;
    off) write_role_conf '' ;;
    *) log 'synchronous on|off'; exit 2 ;;
  esac
  as_postgres psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc 'SELECT pg_reload_conf()' > /dev/null
  as_postgres psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c 'SHOW synchronous_standby_names' \
    -c 'SELECT application_name, state, sync_state FROM pg_stat_replication'
}

case "${1:-start}" in
  start) start ;;
  synchronous) synchronous "${2:-}" ;;
  write-role-conf) write_role_conf "${2:-}" ;;
  *) log "unknown command $1 (start, synchronous on|off, write-role-conf NAME)"; exit 2 ;;
esac
