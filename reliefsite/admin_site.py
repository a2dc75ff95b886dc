from django.contrib import admin
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from core.replica import replica_reads
from reliefsite.timeouts import with_report_timeout
from reports.permissions import RUN_AUDIT, VIEW_REPORTS


def no_public_page(request, content_type_id, object_id):
    """No record has a page outside the admin: every "view on site" answers as missing,
    whether the record exists, is out of the user's scope or never was."""
    raise Http404(_("No such page."))


class ReliefAdminSite(admin.AdminSite):
    """The admin site, with the report, bulletin and audit pages and a dashboard."""

    site_title = _("Hardship Relief")
    site_header = _("Hardship Relief · trade-union case management")
    index_title = _("Casework")
    index_template = "admin/relief_index.html"
    # No public site: "view site" led back to this index.
    site_url = None

    def get_urls(self):
        from reports import paper_views, views

        def page(view):
            # Reports and the audit read more than a list page: a longer statement timeout.
            # and may read a replica (reliefsite.routers).
            report = with_report_timeout(view)

            def run(request, **kw):
                with replica_reads():
                    return report(request, self, **kw)

            return self.admin_view(run)

        return [
            path("reports/summary/", page(views.summary_view), name="reports_summary"),
            path(
                "reports/bulletin/<int:campaign_id>/",
                page(views.bulletin_view),
                name="reports_bulletin",
            ),
            path("reports/audit/", page(views.audit_view), name="reports_audit"),
            path(
                "reports/signoff/<int:activity_id>/",
                page(paper_views.signoff_view),
                name="reports_signoff",
            ),
            path(
                "reports/casefile/<int:case_id>/",
                page(paper_views.case_file_view),
                name="reports_case_file",
            ),
            # Before the stock "view on site" redirect, which answered differently for a
            # record out of scope ("has no get_absolute_url()") and a missing one.
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                no_public_page,
                name="view_on_site",
            ),
            *super().get_urls(),
        ]

    def autocomplete_view(self, request):
        from adminkit.autocomplete import LabelledAutocompleteJsonView

        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)

    def get_app_list(self, request, app_label=None):
        # Asked twice by every page (the sidebar's list and the page's own): its
        # permission checks and URLs cost a few milliseconds, so built once a request.
        built = request.__dict__.setdefault("_relief_app_lists", {})
        if app_label not in built:
            built[app_label] = self._build_app_list(request, app_label)
        return built[app_label]

    def _build_app_list(self, request, app_label):
        app_list = super().get_app_list(request, app_label)
        pages = []
        if request.user.has_perm(VIEW_REPORTS):
            pages.append((_("Relief summary"), "admin:reports_summary"))
        if request.user.has_perm(RUN_AUDIT):
            pages.append((_("City audit"), "admin:reports_audit"))
        if pages and app_label in (None, "reports"):
            app_list.append(
                {
                    "name": _("Reports and audit"),
                    "app_label": "reports",
                    "app_url": reverse(pages[0][1]),
                    "has_module_perms": True,
                    "models": [
                        {
                            "name": name,
                            "object_name": url_name.rsplit("_", 1)[-1],
                            "admin_url": reverse(url_name),
                            "add_url": None,
                            "view_only": True,
                            "perms": {"view": True},
                        }
                        for name, url_name in pages
                    ],
                }
            )
        return app_list

    def index(self, request, extra_context=None):
        from reports.dashboard import dashboard_for

        with replica_reads():  # the dashboard is a report
            dashboard = dashboard_for(request.user)
        extra_context = {**(extra_context or {}), "dashboard": dashboard}
        return super().index(request, extra_context)
