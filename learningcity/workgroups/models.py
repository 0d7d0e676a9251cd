"""Working groups and the learning-city action plan.

Working groups (literacy, health, environment, ...) bring the municipality and partner institutions
together: members meet, write minutes, take numbered decisions and turn them into tasks. The action
plan for a Jalali year sets objectives under UNESCO's building blocks and fundamental conditions, each
with measurable targets whose progress is tracked as a dated, append-only timeline of updates.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from learningcity.catalogue.models import KeyFeatureArea, LearningDomain, Programme
from learningcity.cities.models import City
from learningcity.core.i18n import localized
from learningcity.core.models import TimeStampedModel
from learningcity.institutions.models import Institution

# --- Working groups -------------------------------------------------------------------------------


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")


class GroupRole(models.TextChoices):
    """A person's seat in a working group; capabilities per seat are in core.permissions.GROUP_ROLE_CAPABILITIES."""

    CHAIR = "chair", _("Chair")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")


class WorkingGroup(TimeStampedModel):
    """A specialised learning-city working group (e.g. "Media and digital literacy")."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="working_groups")
    slug = models.SlugField(_("short name in addresses"), max_length=80, allow_unicode=False)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    mandate_fa = models.TextField(_("mandate (Persian)"), max_length=5000)
    mandate_en = models.TextField(_("mandate (English)"), max_length=5000, blank=True)
    domains = models.ManyToManyField(LearningDomain, verbose_name=_("learning domains"), blank=True,
                                     related_name="working_groups")
    # Codes of catalogue.KeyFeatureArea ("2.2", "3.2", ...).
    key_features = models.JSONField(_("UNESCO key features"), default=list, blank=True)
    visibility = models.CharField(_("visibility"), max_length=8, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        constraints = [models.UniqueConstraint(fields=["city", "slug"], name="workgroup_unique_slug_per_city")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workgroups:group", kwargs={"slug": self.slug})

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def mandate(self) -> str:
        return localized(self, "mandate")

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class GroupMember(models.Model):
    """A person's seat in a working group, usually representing a partner institution.

    Leaving sets `left_on`; the row stays so past minutes still name who was there.
    """

    group = models.ForeignKey(WorkingGroup, verbose_name=_("working group"), on_delete=models.CASCADE,
                              related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT,
                             related_name="group_seats")
    institution = models.ForeignKey(Institution, verbose_name=_("represents"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="group_seats")
    role = models.CharField(_("role"), max_length=10, choices=GroupRole.choices, default=GroupRole.MEMBER)
    joined_on = models.DateField(_("joined"))
    left_on = models.DateField(_("left"), null=True, blank=True)

    class Meta:
        ordering = ["group", "role", "id"]
        verbose_name = _("working-group member")
        verbose_name_plural = _("working-group members")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], condition=Q(left_on__isnull=True),
                                    name="workgroup_one_current_seat_per_person"),
            models.UniqueConstraint(fields=["group"], condition=Q(left_on__isnull=True, role="chair"),
                                    name="workgroup_one_current_chair"),
            models.UniqueConstraint(fields=["group"], condition=Q(left_on__isnull=True, role="secretary"),
                                    name="workgroup_one_current_secretary"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.group}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None


# --- Meetings, minutes, decisions ------------------------------------------------------------------


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class MinutesStatus(models.TextChoices):
    """Minutes are written during the meeting (draft), then approved by the chair and locked."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Meeting(TimeStampedModel):
    """A meeting of a working group: when and where, its agenda, who came, its minutes and decisions."""

    group = models.ForeignKey(WorkingGroup, verbose_name=_("working group"), on_delete=models.PROTECT,
                              related_name="meetings")
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place_fa = models.CharField(_("place (Persian)"), max_length=300, blank=True)
    place_en = models.CharField(_("place (English)"), max_length=300, blank=True)
    online_url = models.URLField(_("online meeting link"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MeetingStatus.choices,
                              default=MeetingStatus.SCHEDULED, db_index=True)
    minutes = models.TextField(_("minutes"), max_length=50000, blank=True)
    minutes_status = models.CharField(_("minutes status"), max_length=10, choices=MinutesStatus.choices,
                                      default=MinutesStatus.DRAFT)
    minutes_approved_at = models.DateTimeField(_("minutes approved"), null=True, blank=True)
    minutes_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("minutes approved by"),
                                            null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("scheduled by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workgroups:meeting", kwargs={"slug": self.group.slug, "pk": self.pk})

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def place(self) -> str:
        return localized(self, "place")

    @property
    def minutes_locked(self) -> bool:
        return self.minutes_status == MinutesStatus.APPROVED


class AgendaItem(models.Model):
    """One point on a meeting's agenda, in order."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("item"), max_length=300)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class AttendanceStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class MeetingAttendance(models.Model):
    """A person invited to a meeting, and whether they came."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT,
                             related_name="meeting_attendance")
    status = models.CharField(_("attendance"), max_length=8, choices=AttendanceStatus.choices,
                              default=AttendanceStatus.INVITED)
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("meeting attendance")
        verbose_name_plural = _("meeting attendance")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="meeting_one_row_per_person")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.meeting}"


class Decision(models.Model):
    """A numbered resolution taken at a meeting; public once the meeting's minutes are approved.

    Numbers run per group and Jalali year ("1405/3"): `year` and `number` together are unique.
    """

    group = models.ForeignKey(WorkingGroup, verbose_name=_("working group"), on_delete=models.PROTECT,
                              related_name="decisions")
    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT,
                                related_name="decisions")
    agenda_item = models.ForeignKey(AgendaItem, verbose_name=_("agenda item"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="decisions")
    year = models.PositiveSmallIntegerField(_("Jalali year"))
    number = models.PositiveIntegerField(_("number"))
    text = models.TextField(_("resolution"), max_length=5000)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["group", "-year", "-number"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(fields=["group", "year", "number"], name="decision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.year}/{self.number}"

    @property
    def code(self) -> str:
        """The resolution's number as people cite it: Jalali year / number."""
        return f"{self.year}/{self.number}"


# --- Tasks ----------------------------------------------------------------------------------------


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")


# Allowed moves between task states; anything else is "out of order" and refused with a message.
TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    TaskStatus.NOT_STARTED: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.DONE}),
    TaskStatus.IN_PROGRESS: frozenset({TaskStatus.BLOCKED, TaskStatus.DONE}),
    TaskStatus.BLOCKED: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE}),
    TaskStatus.DONE: frozenset({TaskStatus.IN_PROGRESS}),
}


class Task(TimeStampedModel):
    """Work a group agreed on, owned by a person or a partner institution, with a deadline and progress."""

    group = models.ForeignKey(WorkingGroup, verbose_name=_("working group"), on_delete=models.PROTECT,
                              related_name="tasks")
    decision = models.ForeignKey(Decision, verbose_name=_("decision"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    owner_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner (person)"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="owned_tasks")
    owner_institution = models.ForeignKey(Institution, verbose_name=_("owner (institution)"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="owned_tasks")
    deadline = models.DateField(_("deadline"), db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices,
                              default=TaskStatus.NOT_STARTED, db_index=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_user__isnull=False, owner_institution__isnull=True)
                           | Q(owner_user__isnull=True, owner_institution__isnull=False)),
                name="task_exactly_one_owner",
            ),
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="task_progress_0_100"),
        ]
        indexes = [models.Index(fields=["owner_user", "status", "deadline"], name="task_owner_status_idx"),
                   models.Index(fields=["owner_institution", "status", "deadline"], name="task_inst_status_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workgroups:task", kwargs={"slug": self.group.slug, "pk": self.pk})

    @property
    def owner_name(self) -> str:
        if self.owner_user_id:
            return str(self.owner_user)
        return self.owner_institution.name if self.owner_institution_id else ""

    def is_overdue(self, today) -> bool:
        return self.status != TaskStatus.DONE and self.deadline < today


class TaskUpdate(models.Model):
    """One entry on a task's timeline: a comment, and/or a change of status or progress; never edited."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    status_before = models.CharField(_("status before"), max_length=12, choices=TaskStatus.choices, blank=True)
    status_after = models.CharField(_("status after"), max_length=12, choices=TaskStatus.choices, blank=True)
    progress_before = models.PositiveSmallIntegerField(_("progress before"), null=True, blank=True)
    progress_after = models.PositiveSmallIntegerField(_("progress after"), null=True, blank=True)

    class Meta:
        ordering = ["task", "-at", "-id"]
        verbose_name = _("task update")
        verbose_name_plural = _("task updates")

    def __str__(self) -> str:
        return f"{self.task} @ {self.at:%Y-%m-%d}"


class DigestReceipt(models.Model):
    """When a person's weekly digest was last sent: the next one covers what happened since."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                                related_name="group_digest")
    sent_at = models.DateTimeField(_("last sent"))
    items = models.PositiveIntegerField(_("items in the last digest"), default=0)

    class Meta:
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")

    def __str__(self) -> str:
        return f"{self.user} @ {self.sent_at:%Y-%m-%d}"


# --- The action plan ------------------------------------------------------------------------------

# The plan's objectives sit under UNESCO's six building blocks and three fundamental conditions.
PLAN_AREAS = [area for area in KeyFeatureArea if area.value[0] in "23"]


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ActionPlan(TimeStampedModel):
    """The city's learning-city action plan for one Jalali year."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="action_plans")
    year = models.PositiveSmallIntegerField(_("Jalali year"), validators=[MinValueValidator(1390),
                                                                          MaxValueValidator(1500)])
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_fa = models.TextField(_("summary (Persian)"), max_length=5000, blank=True)
    summary_en = models.TextField(_("summary (English)"), max_length=5000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = [models.UniqueConstraint(fields=["city", "year"], name="plan_one_per_city_year")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workgroups:plan", kwargs={"year": self.year})

    @property
    def title(self) -> str:
        return localized(self, "title")


class Objective(models.Model):
    """An objective of the plan under one building block or fundamental condition (`area`)."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE,
                             related_name="objectives")
    area = models.CharField(_("building block or condition"), max_length=4,
                            choices=[(a.value, a.label) for a in PLAN_AREAS])
    code = models.CharField(_("code"), max_length=20, help_text=_("For example O2.1-1."))
    title_fa = models.CharField(_("title (Persian)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fa = models.TextField(_("description (Persian)"), max_length=5000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=5000, blank=True)
    working_group = models.ForeignKey(WorkingGroup, verbose_name=_("responsible working group"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="objectives")
    programmes = models.ManyToManyField(Programme, verbose_name=_("linked programmes"), blank=True,
                                        related_name="plan_objectives")
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "area", "position", "id"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="objective_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def description(self) -> str:
        return localized(self, "description")


class ResultStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    ACHIEVED = "achieved", _("Achieved")


class PlanResult(models.Model):
    """A measurable target of an objective ("2,000 adults complete media-literacy courses") and where it stands.

    `status`, `progress` and `current_value` mirror the newest `ResultUpdate`, kept by the service that
    appends updates, so the public plan page reads one row per result.
    """

    objective = models.ForeignKey(Objective, verbose_name=_("objective"), on_delete=models.CASCADE,
                                  related_name="results")
    code = models.CharField(_("code"), max_length=24, help_text=_("Unique within the plan; used by imports."))
    title_fa = models.CharField(_("target (Persian)"), max_length=300)
    title_en = models.CharField(_("target (English)"), max_length=300, blank=True)
    unit_fa = models.CharField(_("unit (Persian)"), max_length=60, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=60, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ResultStatus.choices,
                              default=ResultStatus.NOT_STARTED, db_index=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    current_value = models.DecimalField(_("current value"), max_digits=14, decimal_places=2, null=True,
                                        blank=True)
    updated_at = models.DateTimeField(_("last update"), null=True, blank=True)

    class Meta:
        ordering = ["objective", "code", "id"]
        verbose_name = _("plan result")
        verbose_name_plural = _("plan results")
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="result_progress_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def unit(self) -> str:
        return localized(self, "unit")


class ResultUpdate(models.Model):
    """A dated progress report on a plan result, with its evidence; append-only (a correction is a new update)."""

    result = models.ForeignKey(PlanResult, verbose_name=_("result"), on_delete=models.CASCADE,
                               related_name="updates")
    reported_on = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=ResultStatus.choices)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    value = models.DecimalField(_("value reached"), max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("what happened"), max_length=5000, blank=True)
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    # Set when the update came from a CSV/XLSX import, so a whole import can be traced.
    import_batch = models.CharField(_("import"), max_length=40, blank=True, db_index=True)

    class Meta:
        ordering = ["result", "-reported_on", "-id"]
        verbose_name = _("result update")
        verbose_name_plural = _("result updates")
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="update_progress_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.result.code} @ {self.reported_on}"


class BudgetLine(models.Model):
    """Money planned for an objective and spent so far, in rials."""

    objective = models.ForeignKey(Objective, verbose_name=_("objective"), on_delete=models.CASCADE,
                                  related_name="budget_lines")
    title_fa = models.CharField(_("budget line (Persian)"), max_length=200)
    title_en = models.CharField(_("budget line (English)"), max_length=200, blank=True)
    source_fa = models.CharField(_("funded by (Persian)"), max_length=200, blank=True)
    source_en = models.CharField(_("funded by (English)"), max_length=200, blank=True)
    planned_rials = models.PositiveBigIntegerField(_("planned (rials)"))
    spent_rials = models.PositiveBigIntegerField(_("spent (rials)"), default=0)

    class Meta:
        ordering = ["objective", "id"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def source(self) -> str:
        return localized(self, "source")


# --- Documents ------------------------------------------------------------------------------------


def document_path(instance: "Document", filename: str) -> str:
    # The stored name never uses the uploader's file name (which may be anything); the original is in `name`.
    return f"workgroups/{instance.city_id}/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class Document(models.Model):
    """A file attached to a group, a meeting or a plan result: PDF, image or office document.

    Exactly one of `group`, `meeting`, `result` is set. Stored through Django's storage API, so
    production can keep files on S3-compatible storage.
    """

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(WorkingGroup, verbose_name=_("working group"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="documents")
    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="documents")
    result = models.ForeignKey(PlanResult, verbose_name=_("plan result"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=100)
    extension = models.CharField(_("extension"), max_length=8)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("checksum"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.CheckConstraint(
                condition=(Q(group__isnull=False, meeting__isnull=True, result__isnull=True)
                           | Q(group__isnull=True, meeting__isnull=False, result__isnull=True)
                           | Q(group__isnull=True, meeting__isnull=True, result__isnull=False)),
                name="document_attached_to_one",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.name
