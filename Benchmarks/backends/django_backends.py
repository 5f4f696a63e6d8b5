"""Django 5.2.19's cache backends on the same servers as backend-bench:
20,000 set, get-hit and get-miss over 2,000 keys, one thread (Django's model:
one request at a time per worker process; compare scripts run one process per
core and add up their rates). Prints `op ops/s`.

usage: django_backends.py sqlite PATH | postgres HOST PORT USER PASSWORD DB |
                          redis URL | memcached SERVER[,SERVER...]
"""
import os
import sys
import time

import django
from django.conf import settings

OPERATIONS = 20_000
KEYS = 2_000
VALUE = "v" * 100


def configure(kind, args):
    databases = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    if kind == "sqlite":
        databases = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": args[0]}}
        cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_bench_cache"}
    elif kind == "postgres":
        host, port, user, password, name = args
        databases = {"default": {"ENGINE": "django.db.backends.postgresql", "HOST": host, "PORT": port,
                                 "USER": user, "PASSWORD": password, "NAME": name}}
        cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_bench_cache"}
    elif kind == "redis":
        cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": args[0]}
    elif kind == "memcached":
        cache = {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": args[0].split(",")}
    else:
        sys.exit(f"unknown backend {kind}")
    # Django's defaults except MAX_ENTRIES, raised so that culling (which the
    # Swift run also does not hit) stays out of the numbers.
    cache["OPTIONS"] = {"MAX_ENTRIES": 100_000} if kind in ("sqlite", "postgres") else {}
    settings.configure(DATABASES=databases, CACHES={"default": cache}, USE_TZ=True,
                       INSTALLED_APPS=[], DEFAULT_AUTO_FIELD="django.db.models.AutoField")
    django.setup()
    if kind in ("sqlite", "postgres"):
        from django.core.management import call_command
        call_command("createcachetable", verbosity=0)


def timed(body):
    start = time.perf_counter()
    for index in range(OPERATIONS):
        body(index)
    return OPERATIONS / (time.perf_counter() - start)


def main():
    configure(sys.argv[1], sys.argv[2:])
    from django.core.cache import cache
    # Several processes run at once (one per core, as Django is deployed):
    # only the first clears, and none clears at the end.
    shared = os.environ.get("DJANGO_BENCH_WORKER", "0") != "0"
    if not shared:
        cache.clear()
    keys = [f"key{i}" for i in range(KEYS)]
    missing = [f"missing{i}" for i in range(KEYS)]
    for key in keys[:50]:
        cache.set(key, VALUE)
    set_rate = timed(lambda i: cache.set(keys[i % KEYS], VALUE))

    def hit(i):
        if cache.get(keys[i % KEYS]) is None:
            raise SystemExit("unexpected miss")

    def miss(i):
        if cache.get(missing[i % KEYS]) is not None:
            raise SystemExit("unexpected hit")

    hit_rate = timed(hit)
    miss_rate = timed(miss)
    if not shared:
        cache.clear()
    print(f"set {int(set_rate)}")
    print(f"get-hit {int(hit_rate)}")
    print(f"get-miss {int(miss_rate)}")


if __name__ == "__main__":
    main()
