#!/bin/bash
# Run once by the postgres image's entrypoint (/docker-entrypoint-initdb.d) when it creates the
# primary's cluster: the replication role the standby connects as, its pg_hba line, the
# replication settings and the standby this primary waits for. The standby gets all of it with
# pg_basebackup, so a promoted standby already takes a new standby.
set -euo pipefail

: "${BANCA_REPLICATION_PASSWORD:?set BANCA_REPLICATION_PASSWORD in .env}"
: "${BANCA_DB_PEER_APPLICATION_NAME:?the compose file sets BANCA_DB_PEER_APPLICATION_NAME}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$BANCA_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL

# "all" in the database column does not match replication connections: they need their own line.
# Password (SCRAM) only; the hosts' firewall keeps port 5432 to the two hosts.
echo 'host replication replicator all scram-sha-256' >> "$PGDATA/pg_hba.conf"

cp /banca/replication.conf "$PGDATA/banca-replication.conf"
echo "include 'banca-replication.conf'" >> "$PGDATA/postgresql.conf"
/banca/banca-postgres.sh write-role-conf "$BANCA_DB_PEER_APPLICATION_NAME"
