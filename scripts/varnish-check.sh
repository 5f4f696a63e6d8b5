#!/usr/bin/env bash
# Runs real Varnish in front of the demo with the VCL generated from the demo's
# URL policies, and checks that anonymous pages are served from Varnish and
# per-user pages are never served to another user's session; then 10,000
# randomized requests from many users (scripts/cross-user-check.py).
# Needs varnish (apt-get install -y varnish). Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
name=varnish-check
# shellcheck source=varnish-harness.sh
source "$root/scripts/varnish-harness.sh"

# CACHING_DEMO: an already-built caching-demo (the test suite passes its own).
demo=${CACHING_DEMO:-}
if [ -z "$demo" ]; then
    swift build --enable-all-traits --package-path "$root" --product caching-demo >&2
    demo="$root/.build/debug/caching-demo"
fi
start_demo "$demo"

{
    echo 'vcl 4.1;'
    echo "backend default { .host = \"127.0.0.1\"; .port = \"$demo_port\"; }"
    echo 'sub vcl_recv {'
    echo '    if (req.method != "GET" && req.method != "HEAD") { return (pass); }'
    echo '    return (hash);'
    echo '}'
    "$demo" --print-vcl
    echo 'sub vcl_backend_response {'
    echo '    if (beresp.http.X-Hash-Cookies) { set beresp.http.Vary = "Accept-Encoding"; }'
    echo '}'
} > "$work/demo.vcl"

start_varnish "$work/demo.vcl"

fail=0
check() { if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=1; fi; }
hits() { curl -s -D - -o /dev/null "$@" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-varnish" {print NF_VALUES=split($2, a, " ")}'; }
body() { curl -s "$@"; }

curl -s -o /dev/null http://127.0.0.1:$varnish_port/policies/all-users
check "anonymous all-users page is a Varnish hit" '[ "$(hits http://127.0.0.1:$varnish_port/policies/all-users)" = 2 ]'
check "anonymous-only page is shared between anonymous visitors" \
    'curl -s -o /dev/null http://127.0.0.1:$varnish_port/policies/anonymous-only; [ "$(hits http://127.0.0.1:$varnish_port/policies/anonymous-only)" = 2 ]'

alice="sessionid=alice0000000001"
bob="sessionid=bob00000000000002"
body -H "Cookie: $alice" http://127.0.0.1:$varnish_port/policies/per-user >/dev/null
check "per-user page: Alice's second request is a hit" '[ "$(hits -H "Cookie: $alice" http://127.0.0.1:$varnish_port/policies/per-user)" = 2 ]'
check "per-user page: Bob never gets Alice's page" '! body -H "Cookie: $bob" http://127.0.0.1:$varnish_port/policies/per-user | grep -q alice0000000001'
check "per-user page: Bob's first request is a miss" '[ "$(hits -H "Cookie: $bob; x=1" http://127.0.0.1:$varnish_port/policies/per-user?fresh=1)" = 1 ]'
check "per-user page: an anonymous visitor never gets Alice's page" '! body http://127.0.0.1:$varnish_port/policies/per-user | grep -q alice0000000001'

# Randomized: many users, logins and logouts, every cached page kind, through Varnish.
requests=${CROSS_USER_REQUESTS:-10000}
python3 "$root/scripts/cross-user-check.py" "http://127.0.0.1:$varnish_port" "$requests" || fail=1

exit $fail
