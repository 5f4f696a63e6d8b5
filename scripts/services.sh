#!/usr/bin/env bash
# Installs (if missing) and starts, on loopback only, the servers the tests use:
#   Redis       127.0.0.1:6379   (REDIS_URL, default redis://127.0.0.1:6379/0)
#   memcached   127.0.0.1:11211 and 127.0.0.1:11212  (MEMCACHED_SERVERS)
#   PostgreSQL  127.0.0.1:5432, user/password caching, database caching_test
#               (POSTGRES_URL, default postgres://caching:caching@127.0.0.1:5432/caching_test)
# and installs Django 5.2.19 into .build-django (scripts/install-django.sh) for
# the Django side-by-side test.
# Usage: scripts/services.sh start | stop | status
# Idempotent: a server already answering is left alone.
set -euo pipefail

STATE=${SWIFT_CACHING_SERVICES_DIR:-/tmp/swift-caching-services}
mkdir -p "$STATE"

need_packages() {
    local missing=()
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v memcached >/dev/null || missing+=(memcached)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    # Not started here: the Varnish test starts its own varnishd.
    command -v varnishd >/dev/null || [ -x /usr/sbin/varnishd ] || missing+=(varnish)
    command -v curl >/dev/null || missing+=(curl)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "services: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && exec 3>&- ; }

wait_port() {
    for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done
    echo "services: nothing answers on 127.0.0.1:$1" >&2; return 1
}

start_redis() {
    port_open 6379 && return 0
    redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no --daemonize yes \
        --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" --dir "$STATE"
    wait_port 6379
}

start_memcached() {
    local port=$1
    port_open "$port" && return 0
    local user_flag=()
    [ "$(id -u)" = 0 ] && user_flag=(-u root)
    memcached -d -l 127.0.0.1 -p "$port" -U 0 -m 64 "${user_flag[@]}" -P "$STATE/memcached-$port.pid"
    wait_port "$port"
}

start_postgres() {
    port_open 5432 && return 0
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    local data="$STATE/pgdata"
    if [ ! -f "$data/PG_VERSION" ]; then
        mkdir -p "$data"; chown -R postgres:postgres "$STATE/pgdata" 2>/dev/null || true
        chmod 700 "$data"
        su postgres -c "$bin/initdb -D '$data' -A trust -U postgres" >/dev/null
    fi
    chown -R postgres:postgres "$data"
    su postgres -c "$bin/pg_ctl -D '$data' -l '$data/server.log' -o \"-c listen_addresses=127.0.0.1 -p 5432 -k /tmp\" -w start" >/dev/null
    wait_port 5432
    su postgres -c "psql -h 127.0.0.1 -p 5432 -U postgres -tc \"SELECT 1 FROM pg_roles WHERE rolname='caching'\"" | grep -q 1 ||
        su postgres -c "psql -h 127.0.0.1 -p 5432 -U postgres -c \"CREATE ROLE caching LOGIN PASSWORD 'caching' SUPERUSER\"" >/dev/null
    su postgres -c "psql -h 127.0.0.1 -p 5432 -U postgres -tc \"SELECT 1 FROM pg_database WHERE datname='caching_test'\"" | grep -q 1 ||
        su postgres -c "psql -h 127.0.0.1 -p 5432 -U postgres -c \"CREATE DATABASE caching_test OWNER caching\"" >/dev/null
}

stop_all() {
    for f in "$STATE"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$bin" ] && [ -f "$STATE/pgdata/postmaster.pid" ] && su postgres -c "$bin/pg_ctl -D '$STATE/pgdata' -m fast stop" >/dev/null 2>&1 || true
}

case "${1:-start}" in
    start)
        need_packages
        start_redis
        start_memcached 11211
        start_memcached 11212
        start_postgres
        # Not a server: Django 5.2.19 for the side-by-side parity test.
        "$(dirname "$0")/install-django.sh"
        echo "services: redis 6379, memcached 11211 11212, postgres 5432 are up; Django 5.2.19 in .build-django"
        ;;
    stop) stop_all ;;
    status)
        for p in 6379 11211 11212 5432; do port_open $p && echo "$p up" || echo "$p down"; done ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
