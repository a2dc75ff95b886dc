"""Background jobs: big imports and exports run by a worker, not inside a web request.

Generic, like ``sheets``: it depends on ``unions`` for its scope (a job is its owner's
alone) and calls the sheet engine through ``sheets``' public API only. The queue is
Django's task framework (``django.tasks``) on the database backend of django-tasks-db;
a :class:`jobs.models.Job` is what the user sees of a task: its progress, its result and
its files (kept under ``settings.PRIVATE_MEDIA_ROOT``, served to the owner only).
"""
