from django.apps import AppConfig


class PlanPortalConfig(AppConfig):
    name = "plan_portal"
    verbose_name = "Plan Portal"

    def ready(self):
        # Sign-in logging and the session clock (plan_portal.security): receivers
        # of django.contrib.auth's and django-axes' signals, the only hooks they offer.
        from . import security  # noqa: F401
