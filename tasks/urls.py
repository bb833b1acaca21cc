from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("my/", views.my_tasks, name="my"),
    path("tasks/", views.task_list, name="list"),
    # Before the <int:pk> patterns (they would not match anyway, but keep the order obvious).
    path("tasks/export.xlsx", views.task_export_xlsx, name="export-xlsx"),
    path("tasks/export.csv", views.task_export_csv, name="export-csv"),
    path("tasks/<int:pk>/", views.task_detail, name="detail"),
    path("tasks/<int:pk>/updates/", views.task_update_create, name="update-create"),
]
