from django.urls import path

from . import notification_views as views

# No app_name: `notifications` is the page's name (issue 12's contract).
urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/count.json", views.notification_count, name="notifications-count"),
    path("notifications/read/", views.notification_read, name="notifications-read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification-open"),
    path("account/notifications/", views.notification_settings, name="notification-settings"),
]
