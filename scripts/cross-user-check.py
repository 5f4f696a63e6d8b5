#!/usr/bin/env python3
"""Randomized cross-user check through a cache in front of the demo (issue 16,
item 9): N seeded requests from 24 users (session cookies, Authorization,
login/logout of the URL-policy cookie) over every cached page kind. Fails if a
body names another user's session or account, or if a page a shared cache may
keep for everyone (s-maxage, session cookie not in X-Hash-Cookies) names the
reader's session.

Usage: cross-user-check.py BASE_URL [REQUESTS]   (prints one ok/FAIL line)
"""
import base64
import http.client
import random
import sys
from urllib.parse import urlparse

PAGES = [
    "/site", "/per-route", "/account", "/hello", "/private", "/never", "/article", "/fragment",
    "/policies/all-users", "/policies/anonymous-only", "/policies/anonymous-and-authenticated", "/policies/per-user",
]


def main():
    base = urlparse(sys.argv[1])
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    rng = random.Random(2026)
    users = []
    owners = {}
    for index in range(24):
        user = {"name": f"user-{index}", "cookies": {}, "authorization": None}
        if index % 2 == 0:
            session = f"session{index}x{rng.randrange(1 << 32)}"
            user["cookies"]["sessionid"] = session
            owners[session] = index
        if index % 3 == 0:
            user["authorization"] = "Basic " + base64.b64encode(f"user-{index}:secret".encode()).decode()
        users.append(user)
    connection = http.client.HTTPConnection(base.hostname, base.port, timeout=10)
    failures = []
    served = 0
    for _ in range(total):
        index = rng.randrange(len(users))
        user = users[index]
        headers = {}
        if user["cookies"]:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in sorted(user["cookies"].items()))
        if user["authorization"]:
            headers["Authorization"] = user["authorization"]
        roll = rng.randrange(100)
        if roll < 3:
            connection.request("POST", "/policies/login" if roll < 2 else "/policies/logout", headers=headers)
            response = connection.getresponse()
            response.read()
            for line in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = line.partition("=")
                value = rest.split(";", 1)[0]
                if not value or "Max-Age=0" in line:
                    user["cookies"].pop(name.strip(), None)
                else:
                    user["cookies"][name.strip()] = value
            if "sessionid" in user["cookies"]:
                owners[user["cookies"]["sessionid"]] = index
            continue
        page = rng.choice(PAGES)
        connection.request("GET", page, headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        served += 1
        for session, owner in owners.items():
            if owner != index and session in body:
                failures.append(f"{page}: {user['name']} got {users[owner]['name']}'s session")
        for other, someone in enumerate(users):
            if other != index and f"Signed in as {someone['name']}.</p>" in body:
                failures.append(f"{page}: {user['name']} got {someone['name']}'s account page")
        cache_control = response.headers.get("Cache-Control", "")
        hashed = response.headers.get("X-Hash-Cookies", "")
        session = user["cookies"].get("sessionid")
        if "s-maxage" in cache_control and "sessionid" not in hashed and session and session in body:
            failures.append(f"{page}: shareable ({cache_control}) yet names {user['name']}'s session")
        if len(failures) > 20:
            break
    if failures or served < total * 9 // 10:
        print(f"FAIL - cross-user: {len(failures)} wrong bodies in {served} requests")
        for line in failures[:20]:
            print("       " + line)
        sys.exit(1)
    print(f"ok   - cross-user: {served} requests from 24 users, 0 bodies to the wrong user")


if __name__ == "__main__":
    main()
