"""The Django side of the page-cache parity test (Tests/HummingbirdCachingTests/
DjangoParityTests.swift): Django's recommended middleware order around a few
views, served by Django's own development server on the port given as argv[1].

Run with Django 5.2.19 on PYTHONPATH (.ci/run installs it into .build-django).
"""
import sys
from datetime import datetime, timezone

from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="parity-only",
    USE_I18N=False,
    USE_TZ=False,
    MIDDLEWARE=[
        "django.middleware.cache.UpdateCacheMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.http.ConditionalGetMiddleware",
        "django.middleware.cache.FetchFromCacheMiddleware",
    ],
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
)

import django  # noqa: E402

django.setup()

from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils.cache import patch_cache_control  # noqa: E402
from django.views.decorators.cache import cache_page, never_cache  # noqa: E402

MODIFIED = datetime(2016, 7, 17, 10, 0, 0, tzinfo=timezone.utc)


def page(request):
    return HttpResponse("a page for everyone\n")


def vary_cookie(request):
    response = HttpResponse("varies on cookie\n")
    response["Vary"] = "Cookie"
    return response


def modified(request):
    response = HttpResponse("modified once\n")
    response["Last-Modified"] = "Sun, 17 Jul 2016 10:00:00 GMT"
    return response


def private(request):
    response = HttpResponse("mine\n")
    patch_cache_control(response, private=True, max_age=60)
    return response


@never_cache
def never(request):
    return HttpResponse("never stored\n")


def cookie(request):
    response = HttpResponse("sets a cookie\n")
    response.set_cookie("flavour", "oat")
    return response


@cache_page(30, key_prefix="route")
def route(request):
    return HttpResponse("cached by its route\n")


def short(request):
    response = HttpResponse("short max-age\n")
    patch_cache_control(response, max_age=5)
    return response


urlpatterns = [
    path("page", page),
    path("miss-304", page),
    path("vary", vary_cookie),
    path("modified", modified),
    path("private", private),
    path("never", never),
    path("cookie", cookie),
    path("route", route),
    path("short", short),
]

if __name__ == "__main__":
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application

    run("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), threading=True, server_cls=WSGIServer)
