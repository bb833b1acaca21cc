from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plan_portal.text import normalize_search


class UnitKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    DIRECTORATE = "directorate", _("Directorate")
    LEADERSHIP = "leadership", _("Leadership")
    DEPARTMENT = "department", _("Department")
    OFFICE = "office", _("Office")
    INSTITUTE = "institute", _("Institute")
    CENTRE = "centre", _("Centre")
    JOURNAL = "journal", _("Journal")
    PROVINCIAL = "provincial", _("Provincial office")
    EXTERNAL = "external", _("External body")


# Kinds that make up the Directorate's own organisation (they get accounts
# and post updates); the ministry, provincial offices and external bodies
# only coordinate.
INTERNAL_KINDS = (
    UnitKind.DEPARTMENT,
    UnitKind.OFFICE,
    UnitKind.INSTITUTE,
    UnitKind.CENTRE,
    UnitKind.JOURNAL,
)


# A unit code appears in URLs (/units/<code>/), e-mail subjects, file names
# and spreadsheets, so it is kept to capitals, digits and hyphens. \A and \Z
# (not ^ and $): Python's $ also matches before a final newline; PostgreSQL
# reads \A and \Z the same way as Python.
UNIT_CODE_PATTERN = r"\A[A-Z0-9][A-Z0-9-]{0,31}\Z"
UNIT_CODE_MESSAGE = _(
    "Enter a unit code of 1 to 32 characters: capital letters A–Z without accents, digits and hyphens,"
    " starting with a letter or a digit (e.g. VU-TC)."
)
unit_code_validator = RegexValidator(UNIT_CODE_PATTERN, message=UNIT_CODE_MESSAGE, code="invalid_unit_code")


class UnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def internal(self):
        """Units of the Directorate itself: internal kinds whose parent is the Directorate."""
        return self.filter(kind__in=INTERNAL_KINDS, parent__kind=UnitKind.DIRECTORATE)


class Unit(models.Model):
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[unit_code_validator],
        help_text=_("Short stable code in capitals, e.g. VU-TC."),
    )
    name = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("display order"), default=0)
    email = models.EmailField(_("e-mail"), blank=True)
    note = models.TextField(_("note"), blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")

    history = HistoricalRecords(excluded_fields=["search_text"])
    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code=models.functions.Upper("code")),
                name="unit_code_upper",
                violation_error_message=_("Unit codes are written in capitals."),
            ),
            models.CheckConstraint(
                condition=models.Q(code__regex=UNIT_CODE_PATTERN),
                name="unit_code_format",
                violation_error_message=UNIT_CODE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="unit_not_own_parent",
                violation_error_message=_("A unit cannot be its own parent."),
            ),
        ]
        indexes = [models.Index(Lower("code"), name="unit_code_lower_idx")]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def save(self, *args, **kwargs):
        self.search_text = normalize_search(" ".join([self.code, self.name, self.name_en, self.short_name]))
        super().save(*args, **kwargs)


class Membership(models.Model):
    class Role(models.TextChoices):
        STAFF = "staff", _("Staff")
        HEAD = "head", _("Head of unit")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["unit__sort_order", "unit__code", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"],
                name="membership_unique_user_unit",
                violation_error_message=_("This person already belongs to this unit."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit.code} ({self.get_role_display()})"
