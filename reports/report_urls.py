from django.urls import path

from . import views

# The files are served by views (not MEDIA_URL) so every download checks
# the reader's permission.
urlpatterns = [
    path("reports/", views.report_list, name="list"),
    path("reports/<int:year>/W<int:week>/", views.report_detail, name="detail"),
    path("reports/<int:year>/W<int:week>/report.xlsx", views.report_xlsx, name="xlsx"),
    path("reports/<int:year>/W<int:week>/report.pdf", views.report_pdf, name="pdf"),
]
