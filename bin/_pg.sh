# Sourced by bin/test and bin/bench: a throwaway PostgreSQL 15 cluster from Debian's packages (installed
# if missing, as root), on a Unix socket only, removed on exit. Sets PG_URL.
PGBIN=/usr/lib/postgresql/15/bin
if ! [ -x "$PGBIN/initdb" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "PostgreSQL 15 is not installed; run: sudo apt-get install -y postgresql-15" >&2
        exit 1
    fi
    echo "Installing Debian's postgresql-15"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql-15 >/dev/null
fi

PGTMP=$(mktemp -d /tmp/pointbook-pg.XXXXXX)
chmod 755 "$PGTMP"
PORT=54329
# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$PGTMP"
pg_cleanup() {
    as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGTMP"
}
trap pg_cleanup EXIT INT TERM

as_pg "$PGBIN/initdb" -D "$PGTMP/data" -U pointbook --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
    || as_pg "$PGBIN/initdb" -D "$PGTMP/data" -U pointbook --auth=trust -E UTF8 --locale=C >/dev/null
# Socket only (no TCP port to collide with); durability off, it is thrown away after the run.
as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -w -l "$PGTMP/log" start \
    -o "-k $PGTMP -p $PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
as_pg "$PGBIN/createdb" -h "$PGTMP" -p "$PORT" -U pointbook pointbook
PG_URL="postgres://pointbook@:$PORT/pointbook?host=$PGTMP"
