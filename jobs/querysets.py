"""Reads of jobs: the one scope of a job is its owner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser


class JobQuerySet(models.QuerySet[Any]):
    def for_user(self, user: AbstractUser | AnonymousUser | None) -> Self:
        """The user's own jobs only, whatever their role: a job's files are the rows of
        one person's upload or export (a city auditor sees none of a district's files).
        Anyone else's job answers as missing."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(owner_id=user.pk)

    def active(self) -> Self:
        from jobs.models import JobStatus

        return self.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
