from django.urls import path

from . import notification_views, views

app_name = "tasks"

urlpatterns = [
    path("my/", views.my_tasks, name="my"),
    path("tasks/", views.task_list, name="list"),
    # Before the <int:pk> patterns (they would not match anyway, but keep the order obvious).
    path("tasks/export.xlsx", views.task_export_xlsx, name="export-xlsx"),
    path("tasks/export.csv", views.task_export_csv, name="export-csv"),
    path("tasks/<int:pk>/", views.task_detail, name="detail"),
    path("tasks/<int:pk>/updates/", views.task_update_create, name="update-create"),
    path("tasks/<int:pk>/contributions/", views.contribution_create, name="contribution-create"),
    path("tasks/<int:pk>/attachments/", views.attachment_create, name="attachment-create"),
    path("tasks/<int:pk>/confirm/", views.completion_confirm, name="completion-confirm"),
    path("tasks/<int:pk>/requests/", views.request_create, name="request-create"),
    path("tasks/<int:pk>/follow/", notification_views.task_follow, name="follow"),
    path("tasks/<int:pk>/comments/", views.comment_create, name="comment-create"),
    path("tasks/<int:pk>/mentions.json", views.mention_candidates, name="mention-candidates"),
    path("tasks/<int:pk>/urge/", views.task_urge, name="urge"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment-edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment-delete"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request-decide"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request-withdraw"),
]
