from .dashboard_urls import urlpatterns as dashboard_urlpatterns
from .report_urls import urlpatterns as report_urlpatterns

app_name = "reports"

# Two files so the dashboard and the weekly reports can grow independently.
urlpatterns = [*dashboard_urlpatterns, *report_urlpatterns]
