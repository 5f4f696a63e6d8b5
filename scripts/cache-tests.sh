#!/usr/bin/env bash
# Runs the HTTP cache conformance suite (https://github.com/http-tests/cache-tests,
# cache-tests.fyi) against caching-proxy as a reverse proxy.
#
# Usage: scripts/cache-tests.sh <path to a cache-tests checkout> [test id]
#   - starts the suite's origin server and caching-proxy in front of it, on free
#     loopback ports; runs the suite's CLI through the proxy;
#   - prints `required: P/T optional: P/T` (tests that apply to a reverse proxy:
#     all but `browser_only`; a test whose dependency failed counts as failed,
#     as cache-tests.fyi shows it), then one line per failed test;
#   - with a test id, runs only that test and prints the suite's own dump of it.
# Env: CACHING_PROXY (an already-built caching-proxy binary; default: builds the
# debug product), CACHE_TESTS_RESULTS (where to keep the JSON results; default a
# temporary file), CACHE_TESTS_LOG_DIR (keep the origin's and the proxy's logs
# there; default: a temporary directory, removed). Needs node >= 18. The few interim-response (1xx) tests need
# the npm package `undici` in the checkout; without it they error (harness
# failures, counted as failed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
suite=${1:?usage: scripts/cache-tests.sh <cache-tests checkout> [test id]}
suite=$(cd "$suite" && pwd)
test_id=${2:-}
[ -f "$suite/test-engine/cli.mjs" ] || { echo "cache-tests: $suite is not a cache-tests checkout" >&2; exit 1; }
command -v node >/dev/null || { echo "cache-tests: node is needed" >&2; exit 1; }

work=$(mktemp -d)
logs=${CACHE_TESTS_LOG_DIR:-$work}
mkdir -p "$logs"
server_pid=""
proxy_pid=""
cleanup() {
    [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

proxy=${CACHING_PROXY:-}
if [ -z "$proxy" ]; then
    swift build --enable-all-traits --package-path "$root" --product caching-proxy >&2
    proxy="$root/.build/debug/caching-proxy"
fi

# shellcheck source=free-port.sh
source "$root/scripts/free-port.sh"
wait_port() {
    for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
    echo "cache-tests: nothing answers on 127.0.0.1:$1" >&2; return 1
}

origin_port=$(free_port)
proxy_port=$(free_port)
(cd "$suite" && npm_config_protocol=http npm_config_port="$origin_port" npm_config_pidfile="$work/server.pid" \
    exec node test-engine/server/server.mjs) >"$logs/server.log" 2>&1 &
server_pid=$!
wait_port "$origin_port"
"$proxy" --listen "127.0.0.1:$proxy_port" --upstream "http://127.0.0.1:$origin_port" >"$logs/proxy.log" 2>&1 &
proxy_pid=$!
wait_port "$proxy_port"

results=${CACHE_TESTS_RESULTS:-$work/results.json}
if [ -n "$test_id" ]; then
    (cd "$suite" && npm_config_base="http://127.0.0.1:$proxy_port" npm_config_id="$test_id" node --no-warnings test-engine/cli.mjs)
    exit 0
fi
(cd "$suite" && npm_config_base="http://127.0.0.1:$proxy_port" npm_config_id="" npm_package_config_id="" node --no-warnings test-engine/cli.mjs) >"$results"

cd "$suite"
RESULTS="$results" node --input-type=module -e '
import fs from "fs"
import tests from "./tests/index.mjs"
import { determineTestResult, resultTypes } from "./test-engine/lib/results.mjs"
const results = JSON.parse(fs.readFileSync(process.env.RESULTS, "utf8"))
const count = { required: [0, 0], optimal: [0, 0] }
const failed = []
for (const suite of tests) {
  for (const test of suite.tests) {
    if (test.browser_only) continue
    const kind = test.kind === undefined ? "required" : test.kind
    if (!(kind in count)) continue
    const outcome = determineTestResult(tests, test.id, results)
    count[kind][1]++
    if (outcome === resultTypes.pass) {
      count[kind][0]++
    } else {
      const detail = results[test.id] === undefined ? "untested" : JSON.stringify(results[test.id])
      failed.push(`${kind === "required" ? "REQUIRED" : "optional"} ${test.id}: ${outcome[2]} ${detail}`)
    }
  }
}
console.log(`required: ${count.required[0]}/${count.required[1]} optional: ${count.optimal[0]}/${count.optimal[1]}`)
for (const line of failed.sort()) console.log(line)
'
