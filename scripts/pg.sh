#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `scripts/pg.sh start` prints its URL, `scripts/pg.sh stop DIR` ends it.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  start)
    # A free port unless one is given: another cluster (a developer's, a parallel run) may hold the usual one.
    port=${PGPORT_TEST:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
    dir=$(mktemp -d /tmp/booksync-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
      || { cat "$dir/log" >&2; exit 1; }
    as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres booksync  # what the URL names (benches use it)
    echo "$dir postgresql://postgres@127.0.0.1:$port/booksync"
    ;;
  stop)
    as_pg "$bindir/pg_ctl" -D "$2/data" -m fast stop >/dev/null || true
    rm -rf "$2"
    ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
