from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class JobsConfig(AppConfig):
    default = True  # this module also holds the task queue's config below
    name = "jobs"
    verbose_name = _("Background jobs")


class TaskQueueConfig(TasksAppConfig):
    """django-tasks-db's app under a name the admin's change log can show in Chinese
    (its own ``verbose_name`` is a plain English string)."""

    verbose_name = _("task queue")  # type: ignore[assignment]  # a lazy string, shown translated
