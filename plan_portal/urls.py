from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import security, views

admin.site.site_header = _("Plan Portal administration")
admin.site.site_title = _("Plan Portal")
admin.site.index_title = _("Units, people and the work plan")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Before django.contrib.auth.urls: the same URL and name, with a rate limit.
    path("accounts/password_reset/", security.password_reset_view, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("tasks.urls")),
    path("", include("tasks.notification_urls")),
    path("", include("reports.urls")),
    path("units/", include("units.urls")),
]

if settings.BENCH:  # `make bench` only: the floor every page is compared with
    urlpatterns.append(path("bench/floor/", views.bench_floor, name="bench-floor"))
