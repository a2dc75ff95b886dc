import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobs.querysets import JobQuerySet


class JobKind(models.TextChoices):
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED = (JobStatus.DONE, JobStatus.REFUSED, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(models.Model):
    """One background import or export, as its owner sees it.

    The live counters of a running job are in its progress file (``jobs.progress``),
    not here: on SQLite the import's transaction holds the database's one write lock, so
    nothing else could write a row until it ends. They are copied here when it ends.
    """

    # Not a counter: a job's address in a URL reveals nothing about others.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="jobs",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=JobKind.choices)
    sheet = models.CharField(_("sheet"), max_length=40)
    # An import that only checks (the preview); its owner then confirms it as a new job.
    dry_run = models.BooleanField(_("check only"), default=False)
    checked_by = models.ForeignKey(
        "self",
        verbose_name=_("preview of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="confirmations",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    file_name = models.CharField(_("file"), max_length=255)
    # Export filters (the CLI's options) and what else the worker needs to rebuild the work.
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    rows_total = models.PositiveIntegerField(_("rows in all"), default=0)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    # Counts (new/updated/unchanged or rows exported) and the first refusals as shown.
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("reason"), blank=True)
    # Names inside the job's private folder (jobs.files), "" when there is none.
    input_file = models.CharField(_("uploaded file"), max_length=255, blank=True)
    error_file = models.CharField(_("error file"), max_length=255, blank=True)
    export_file = models.CharField(_("export file"), max_length=255, blank=True)
    task_id = models.CharField(_("task result id"), max_length=64, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="jobs_owner_recent"),
            models.Index(fields=["status", "created_at"], name="jobs_status_age"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED
