from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tasks.notifications import notification_unread_count
from units.selectors import user_is_leadership

# (url name, label, who sees it).
NAV = [
    ("tasks:my", _("My tasks"), "member"),
    ("tasks:list", _("Tasks"), "all"),
    ("tasks:requests", _("Requests"), "all"),
    ("reports:dashboard", _("Dashboard"), "all"),
    ("reports:timeline", _("Timeline"), "all"),
    ("reports:list", _("Weekly reports"), "all"),
    ("admin:index", _("Administration"), "admin"),
]


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = []
    for name, label, audience in NAV:
        if audience == "admin" and not user.is_staff:
            continue
        if audience == "member" and user_is_leadership(user) and not user.is_staff:
            continue
        url = reverse(name)
        items.append({"url": url, "label": label, "active": path.startswith(url)})
    # A callable: the template calls it (once, in base.html's bell) only on pages that show the bell.
    return {"nav_items": items, "notifications_unread": lambda: notification_unread_count(user=user)}
