"""Django's LocMemCache on the same workload as memory-bench: 200,000 operations
over 10,000 keys holding a small object (an id, a name, two tags), single thread.
Prints `<operation> <ops/s>` lines, and bytes per entry for 1,000,000 entries."""
import dataclasses
import resource
import sys
import time

import django
from django.conf import settings

settings.configure(CACHES={"default": {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "bench", "OPTIONS": {"MAX_ENTRIES": 2_000_000}}})
django.setup()
from django.core.cache import caches  # noqa: E402


@dataclasses.dataclass
class Record:
    id: int
    name: str
    tags: list


OPERATIONS = 200_000
KEYS = 10_000
keys = [f"key-{i}" for i in range(KEYS)]
missing = [f"missing-{i}" for i in range(KEYS)]
records = [Record(i, f"name-{i}", ["red", "blue"]) for i in range(KEYS)]
cache = caches["default"]


def measure(body):
    start = time.perf_counter()
    body()
    return OPERATIONS / (time.perf_counter() - start)


def sets():
    for i in range(OPERATIONS):
        cache.set(keys[i % KEYS], records[i % KEYS])


def hits():
    for i in range(OPERATIONS):
        cache.get(keys[i % KEYS])


def misses():
    for i in range(OPERATIONS):
        cache.get(missing[i % KEYS])


def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


mode = sys.argv[1] if len(sys.argv) > 1 else "all"
if mode in ("all", "single"):
    for i in range(KEYS):
        cache.set(keys[i], records[i])
    print(f"set {int(measure(sets))}")
    print(f"get-hit {int(measure(hits))}")
    print(f"get-miss {int(measure(misses))}")
if mode in ("all", "memory"):
    cache.clear()
    before = rss()
    for i in range(1_000_000):
        cache.set(f"entry-{i}", Record(i, f"name-{i}", ["red", "blue"]))
    print(f"bytes-per-entry {(rss() - before) // 1_000_000}")
