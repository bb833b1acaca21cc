"""The notification pages (issue 12): the list, the bell's count, the e-mail settings, following a task.

Un-namespaced URL names (`notifications`, ...): the pages belong to the person,
not to the plan. Each person reads and changes only their own rows.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .forms import NotificationPreferencesForm
from .models import Notification, Task
from .notifications import (
    notification_get_own,
    notification_mark_read,
    notification_page,
    notification_preferences,
    notification_preferences_set,
    notification_text,
    notification_unread_count,
    task_follow_set,
)


@login_required
@require_GET
def notification_list(request):
    page_obj = notification_page(user=request.user, page=request.GET.get("page"))
    rows = [{"notification": n, "text": notification_text(n)} for n in page_obj.object_list]
    unread = notification_unread_count(user=request.user)
    # `notifications_unread` also feeds the bell (it overrides the context processor's): one count, not two.
    context = {"page_obj": page_obj, "rows": rows, "unread": unread, "notifications_unread": unread}
    return render(request, "notifications/list.html", context)


@never_cache
@login_required
@require_GET
def notification_count(request):
    return JsonResponse({"unread": notification_unread_count(user=request.user)})


@login_required
@require_GET
def notification_open(request, pk: int):
    """Open the thing a notification is about, marking it read."""
    try:
        notification = notification_get_own(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    notification_mark_read(user=request.user, pk=notification.pk)
    safe = url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()})
    return redirect(notification.url if safe else "notifications")


@login_required
@require_POST
def notification_read(request):
    """Mark one notification (`id`) or all of them (`all`) as read."""
    pk = request.POST.get("id", "")
    if pk.isdigit():
        notification_mark_read(user=request.user, pk=int(pk))
    elif request.POST.get("all"):
        notification_mark_read(user=request.user)
        messages.success(request, _("All notifications are marked as read."))
    else:
        messages.error(request, _("Choose a notification to mark as read."))
    return redirect("notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    current = notification_preferences(user=request.user)
    form = NotificationPreferencesForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST":
        if form.is_valid():
            notification_preferences_set(user=request.user, choices=form.cleaned_data)
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notification-settings")
        form.flag_errors()
    status = 422 if form.errors else 200
    return render(request, "notifications/settings.html", {"form": form}, status=status)


@login_required
@require_POST
def task_follow(request, pk: int):
    """Follow a task (`following=1`) or stop following it (`following=0`): anyone signed in may."""
    task = Task.objects.filter(pk=pk).first()
    if task is None:
        raise Http404(_("No such task."))
    choice = request.POST.get("following")
    if choice not in ("0", "1"):
        messages.error(request, _("Choose to follow the task or to stop following it."))
    else:
        task_follow_set(user=request.user, task=task, following=choice == "1")
        messages.success(request, _("You follow this task.") if choice == "1" else _("You no longer follow this task."))
    return redirect("tasks:detail", pk=task.pk)
