"""The admin toolkit every app admin is declared with.

- ``scope``: ScopedAdmin and the scoped inlines, filters and widgets (reliefsite.E001);
- ``options``: read-only mixins; ``actions``: one runner for per-record service actions;
- ``pages``: the one intermediate form page (``admin/form_page.html``);
- ``paginator``: the capped-count paginator; ``dates``: the year drill-down in scope;
- ``errors``: a service's refusal on a form or as a message; ``units``: the default unit;
- ``extensions``: inlines another app adds (``settings.RELIEF_ADMIN_INLINES``);
- ``urls``: an app's own pages (its ``admin_views.py``) declared in ``get_urls``, and
  links to admin pages.
"""
