#!/usr/bin/env bash
# Installs (if missing) and starts, on loopback only, the servers the tests use:
#   Redis       127.0.0.1:6379   (REDIS_URL, default redis://127.0.0.1:6379/0)
#   memcached   127.0.0.1:11211 and 127.0.0.1:11212  (MEMCACHED_SERVERS)
#   PostgreSQL  127.0.0.1:5432, user/password caching, database caching_test
#               (POSTGRES_URL, default postgres://caching:caching@127.0.0.1:5432/caching_test)
#   Redis Cluster 127.0.0.1:7000-7005 (3 primaries, 3 replicas; REDIS_CLUSTER_SEEDS)
#               and a second one on 7010-7015 that only the fault tests use:
#               they kill and restart its nodes and reshard it
#   Redis Sentinel: primary 127.0.0.1:6390, replica 6391, sentinels
#               26379-26381 watching master "mymaster" (REDIS_SENTINELS)
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
    # Django for the parity test is installed with pip (scripts/install-django.sh).
    { command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; } || missing+=(python3 python3-pip)
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

# A Redis Cluster of 3 primaries and 3 replicas on ports base..base+5, in
# $STATE/cluster-<base>. Each node runs from its own redis.conf, so a test can
# kill a node and start it again with `redis-server <dir>/redis.conf` (it
# rejoins, as a replica of the node promoted in its place). Left alone when
# every node answers, the cluster is ok and `redis-cli --cluster check` finds
# nothing wrong; otherwise its nodes are stopped, its data wiped, and a new
# cluster is made.
cluster_ok() {
    redis-cli -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

start_cluster() {
    local base=$1 dir="$STATE/cluster-$1" ports=() port all_up=1
    for i in 0 1 2 3 4 5; do ports+=($((base + i))); done
    for port in "${ports[@]}"; do port_open "$port" || all_up=0; done
    if [ $all_up = 1 ]; then
        for port in "${ports[@]}"; do cluster_ok "$port" || all_up=0; done
        # Healthy: six nodes, and no slot left open or unclaimed by a test that was interrupted.
        local check
        check=$(redis-cli --cluster check "127.0.0.1:$base" 2>&1 || true)
        [ $all_up = 1 ] && [ "$(redis-cli -p "$base" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')" = 6 ] &&
            ! grep -qE '\[(ERR|WARNING)\]' <<<"$check" && return 0
    fi
    for port in "${ports[@]}"; do
        [ -f "$dir/$port/redis.pid" ] && kill -9 "$(cat "$dir/$port/redis.pid")" 2>/dev/null || true
        redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    done
    for port in "${ports[@]}"; do for _ in $(seq 1 50); do port_open "$port" || break; sleep 0.1; done; done
    rm -rf "$dir"
    for port in "${ports[@]}"; do
        mkdir -p "$dir/$port"
        cat >"$dir/$port/redis.conf" <<CONF
bind 127.0.0.1
port $port
dir $dir/$port
daemonize yes
pidfile $dir/$port/redis.pid
logfile $dir/$port/redis.log
save ""
appendonly no
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 1500
cluster-replica-validity-factor 0
cluster-require-full-coverage yes
CONF
        redis-server "$dir/$port/redis.conf"
    done
    for port in "${ports[@]}"; do wait_port "$port"; done
    local nodes=()
    for port in "${ports[@]}"; do nodes+=("127.0.0.1:$port"); done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 || {
        cat "$dir/create.log" >&2; return 1; }
    for _ in $(seq 1 300); do
        local ok=1
        for port in "${ports[@]}"; do cluster_ok "$port" || ok=0; done
        [ $ok = 1 ] && return 0
        sleep 0.1
    done
    echo "services: the Redis Cluster on $base-$((base + 5)) did not reach cluster_state:ok" >&2; return 1
}

# A primary (6390) with one replica (6391) and three sentinels (26379-26381)
# watching it as "mymaster", with short timeouts so a failover takes seconds.
# Left alone when everything answers; otherwise everything of it is stopped
# and made again from fresh configuration files (Sentinel rewrites its own).
start_sentinel() {
    local dir="$STATE/sentinel" port all_up=1
    for port in 6390 6391 26379 26380 26381; do port_open "$port" || all_up=0; done
    [ $all_up = 1 ] && return 0
    for port in 6390 6391 26379 26380 26381; do
        [ -f "$dir/$port.pid" ] && kill -9 "$(cat "$dir/$port.pid")" 2>/dev/null || true
    done
    for port in 6390 6391 26379 26380 26381; do for _ in $(seq 1 50); do port_open "$port" || break; sleep 0.1; done; done
    rm -rf "$dir"; mkdir -p "$dir"
    for port in 6390 6391; do
        cat >"$dir/$port.conf" <<CONF
bind 127.0.0.1
port $port
dir $dir
dbfilename dump-$port.rdb
daemonize yes
pidfile $dir/$port.pid
logfile $dir/$port.log
save ""
appendonly no
CONF
        [ "$port" = 6391 ] && echo "replicaof 127.0.0.1 6390" >>"$dir/$port.conf"
        redis-server "$dir/$port.conf"
    done
    wait_port 6390; wait_port 6391
    for port in 26379 26380 26381; do
        cat >"$dir/$port.conf" <<CONF
bind 127.0.0.1
port $port
dir $dir
daemonize yes
pidfile $dir/$port.pid
logfile $dir/$port.log
sentinel monitor mymaster 127.0.0.1 6390 2
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 4000
sentinel parallel-syncs mymaster 1
CONF
        redis-server "$dir/$port.conf" --sentinel
    done
    for port in 26379 26380 26381; do wait_port "$port"; done
    # Ready once the replica has synced and every sentinel knows it and the others.
    for _ in $(seq 1 300); do
        local ready=1
        redis-cli -p 6391 info replication | grep -q 'master_link_status:up' || ready=0
        for port in 26379 26380 26381; do
            redis-cli -p "$port" sentinel master mymaster 2>/dev/null | tr -d '\r' | grep -A1 -x 'num-other-sentinels' | tail -1 | grep -qx 2 || ready=0
            redis-cli -p "$port" sentinel master mymaster 2>/dev/null | tr -d '\r' | grep -A1 -x 'num-slaves' | tail -1 | grep -qx 1 || ready=0
        done
        [ $ready = 1 ] && return 0
        sleep 0.1
    done
    echo "services: the Sentinel set-up (6390, 6391, 26379-26381) did not become ready" >&2; return 1
}

stop_all() {
    for f in "$STATE"/cluster-*/*/redis.pid "$STATE"/sentinel/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
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
        start_cluster 7000
        start_cluster 7010
        start_sentinel
        # Not a server: Django 5.2.19 for the side-by-side parity test.
        "$(dirname "$0")/install-django.sh"
        echo "services: redis 6379, memcached 11211 11212, postgres 5432, redis cluster 7000-7005 and 7010-7015, sentinel 6390 6391 26379-26381 are up; Django 5.2.19 in .build-django"
        ;;
    stop) stop_all ;;
    status)
        for p in 6379 11211 11212 5432 7000 7001 7002 7003 7004 7005 7010 7011 7012 7013 7014 7015 6390 6391 26379 26380 26381; do
            port_open $p && echo "$p up" || echo "$p down"; done
        for base in 7000 7010; do cluster_ok $base && echo "cluster $base ok" || echo "cluster $base not ok"; done ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
