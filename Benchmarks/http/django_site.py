"""A one-file Django site for compare-http.sh: a 2 KB page behind Django's
per-site cache in Django's recommended order (UpdateCacheMiddleware, CommonMiddleware,
ConditionalGetMiddleware, FetchFromCacheMiddleware; LocMemCache), as the Swift side's CachingResponder,
served by gunicorn as `django_site:application`."""
import os

from django.conf import settings
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="benchmark-only",
    MIDDLEWARE=[
        "django.middleware.cache.UpdateCacheMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.http.ConditionalGetMiddleware",
        "django.middleware.cache.FetchFromCacheMiddleware",
    ],
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    CACHE_MIDDLEWARE_SECONDS=600,
)

PAGE = "<!doctype html><html><body><p>" + "swift-caching " * 144 + "</p></body></html>\n"


def page(request):
    return HttpResponse(PAGE, content_type="text/html")


urlpatterns = [path("page", page)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
