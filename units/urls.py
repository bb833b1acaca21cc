from django.urls import path

from . import views

app_name = "units"

urlpatterns: list = [
    path("<str:code>/", views.unit_detail, name="detail"),
    path("<str:code>/urge-overdue/", views.unit_urge_overdue, name="urge-overdue"),
]
