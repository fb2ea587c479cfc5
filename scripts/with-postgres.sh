#!/usr/bin/env bash
# scripts/with-postgres.sh CMD [ARG ...]: run CMD against a throwaway PostgreSQL cluster.
# The cluster lives in a temp dir on a Unix socket (no port), with DATABASE_URL pointing at it,
# and is stopped and removed when CMD ends, whatever its exit status.
set -euo pipefail

bin=${PG_BIN:-}
if [ -z "$bin" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do [ -x "$candidate/initdb" ] && bin=$candidate; done
fi
[ -n "$bin" ] && [ -x "$bin/initdb" ] || {
  echo "with-postgres: no initdb found; install PostgreSQL (apt-get install postgresql) or set PG_BIN" >&2
  exit 2
}

dir=$(mktemp -d /tmp/newsroom-pg.XXXXXX)
# initdb and pg_ctl refuse to run as root: run the server as the postgres user then.
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
chmod 755 "$dir"

stop() {
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w \
  -o "-k $dir -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
  start >/dev/null
as_pg "$bin/createdb" -h "$dir" -U postgres newsroom

export DATABASE_URL="postgres://postgres@/newsroom?host=$dir"
echo "with-postgres: $("$bin/postgres" --version) at $dir" >&2
"$@"
