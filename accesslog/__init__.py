"""The access log of personal data (访问日志, PRIVACY.md "Access log").

Who opened, searched, exported, printed or anonymised whose personal data: one
append-only :class:`accesslog.models.AccessRecord` per access, written in the same request
by the code that shows the data (:func:`accesslog.services.record_access`), read in the
admin by city auditors (all) and unit heads (accesses to records of their units).
Generic: it depends on ``unions`` for the scope only; the apps call it.
"""
