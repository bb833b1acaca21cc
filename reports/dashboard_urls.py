from django.urls import path

from . import dashboard_views, timeline_views

urlpatterns: list = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/data.json", dashboard_views.dashboard_json, name="dashboard-data"),
    path("timeline/", timeline_views.timeline, name="timeline"),
]
