"""The admin side of scope: one base class that closes every door.

``ScopedAdmin`` (and ``ScopedInline`` for inlines) applies
:meth:`unions.querysets.ScopedQuerySet.for_user` to the changelist, the change, delete
and history pages, every foreign-key and many-to-many choice (so POST validation too),
raw-id labels, list filters, actions, the delete confirmation and django-simple-history's
past-version and revert pages. Records outside scope answer exactly as missing ones do.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import NestedObjects, get_fields_from_path, quote, unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from adminkit.dates import scoped_date_hierarchy
from adminkit.extensions import extra_inlines, extra_list_filters
from adminkit.history import ClerkHistoryHelper
from adminkit.paginator import CappedCountPaginator
from core.dates import validate_date
from unions.querysets import ScopedQuerySet, visible_to

# The mixins go in front of a ModelAdmin or an inline: for the type checker they derive
# from Django's classes (whose attributes they read); at run time from object.
if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin, InlineModelAdmin

    _AnyAdmin = BaseModelAdmin[Any]
    _InlineAdmin = InlineModelAdmin[Any, Any]
else:
    _AnyAdmin = _InlineAdmin = object


def is_scoped_model(model: type[models.Model]) -> bool:
    return isinstance(model._default_manager.all(), ScopedQuerySet)


def scoped_queryset(model: type[models.Model], user) -> models.QuerySet:
    """``model``'s rows that ``user`` may see (all rows for unscoped models)."""
    queryset = model._default_manager.all()
    if isinstance(queryset, ScopedQuerySet):
        queryset = queryset.for_user(user)
    return queryset


def in_scope(obj: models.Model, user) -> bool:
    """Whether ``user`` may see ``obj``; cached on the instance for the request."""
    cache = obj.__dict__.setdefault("_scope_cache", {})
    key = getattr(user, "pk", None)
    if key not in cache:
        cache[key] = visible_to(obj, user)
    return cache[key]


class ScopedForeignKeyRawIdWidget(ForeignKeyRawIdWidget):
    """Django labels a raw id from the default manager (every row); use the scope."""

    def __init__(self, rel, admin_site, queryset, **kwargs):
        self.scoped = queryset
        super().__init__(rel, admin_site, **kwargs)

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            self.scoped.get(**{key: value})
        # DoesNotExist is on every concrete model; django-stubs has it only on model types.
        except (ValueError, TypeError, ValidationError, self.rel.model.DoesNotExist):  # type: ignore[attr-defined]
            return "", ""
        return super().label_and_url_for_value(value)


class NotFilledInMixin:
    """A filter's choice for an empty value says 未填写, not the list cells' dash."""

    empty_value_display: Any

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_value_display = _("not filled in")


class NotFilledInChoicesFilter(NotFilledInMixin, admin.ChoicesFieldListFilter):
    pass


class ScopedRelatedFieldListFilter(NotFilledInMixin, admin.RelatedFieldListFilter):
    """Django lists every related row; list only those in the user's scope."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        queryset = scoped_queryset(field.related_model, request.user)
        # A model whose str() names a related row says so (a fund names its unit), so
        # that the choices are one query, not one per choice.
        queryset = queryset.select_related(*getattr(field.related_model, "label_related", ()))
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


def choice_label(obj: models.Model) -> str:
    """How a choice names a record: its ``choice_label()`` when the model has one (a
    person, told apart from a namesake), else its ``str``."""
    label = getattr(obj, "choice_label", None)
    return label() if callable(label) else str(obj)


def _with_choice_labels(formfield):
    if formfield is not None and hasattr(formfield, "label_from_instance"):
        model = getattr(getattr(formfield, "queryset", None), "model", None)
        if model is not None and hasattr(model, "choice_label"):
            formfield.label_from_instance = choice_label
    return formfield


class ScopedFormfieldMixin(_AnyAdmin):
    """Foreign-key and many-to-many choices (and so POST validation) from the scope;
    every date within the range the sheets accept (``core.dates``)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateField) and formfield is not None:
            formfield.validators = [*formfield.validators, validate_date]
        return formfield

    def _scoped_choices(self, db_field, request):
        """The related model's rows in the user's scope, in its admin's order."""
        related = db_field.remote_field.model
        queryset = scoped_queryset(related, request.user)
        ordering = self._related_ordering(related, request)
        return queryset.order_by(*ordering) if ordering else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._scoped_choices(db_field, request)
        if "widget" not in kwargs and db_field.name in self.raw_id_fields:
            kwargs["widget"] = ScopedForeignKeyRawIdWidget(
                db_field.remote_field, self.admin_site, kwargs["queryset"]
            )
        return _with_choice_labels(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._scoped_choices(db_field, request)
        return _with_choice_labels(super().formfield_for_manytomany(db_field, request, **kwargs))

    def _related_ordering(self, related, request):
        related_admin = self.admin_site._registry.get(related)
        if related_admin is not None:
            return related_admin.get_ordering(request)
        return None


class ScopedInlineMixin(ScopedFormfieldMixin, _InlineAdmin):
    """Inline rows belong to an in-scope parent; their own choices are scoped too."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if isinstance(queryset, ScopedQuerySet):
            queryset = queryset.for_user(request.user)
        return queryset


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInlineMixin, admin.StackedInline):
    pass


class ScopedAdmin(ScopedFormfieldMixin, SimpleHistoryAdmin):
    """Base class of every model admin in the project (system check reliefsite.E001).

    ``sensitive_fields`` name personal fields (resident ID numbers) that may not be
    used in query-string lookups, which would otherwise turn a masked column into an
    oracle (``?id_number__startswith=3205``).
    """

    sensitive_fields: tuple[str, ...] = ()
    list_per_page = 50
    paginator = CappedCountPaginator
    # Django counts the whole unfiltered list too ("5 of 1,000,000") on a filtered or
    # searched page: an uncapped COUNT(*) over the scope (8.6 s for the city's 5M
    # disbursements). The capped count of what is shown is enough.
    show_full_result_count = False
    # False where a past version must not be restored: it would write status, money or
    # terms behind the services' back (the button is hidden and the POST refused).
    revertible = True

    def action_checkbox(self, obj):
        # Django renders each row's checkbox through the form renderer's templates: about
        # 0.6 ms a row, a sixth of a 50-row list's time. The same markup, written once.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    # --- what exists -------------------------------------------------------------

    def get_queryset(self, request):
        # A ScopedAdmin serves scoped models: their managers return ScopedQuerySets.
        return cast(ScopedQuerySet, super().get_queryset(request)).for_user(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is None or in_scope(obj, request.user)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or in_scope(obj, request.user)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or in_scope(obj, request.user)
        )

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None:
            inlines += [i for i in extra_inlines(self.model) if i not in inlines]
        return inlines

    # --- the list ----------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context and context["cl"].date_hierarchy:
            # Rendered by admin/change_list.html instead of Django's scanning tag (the name
            # is historical: the case list had it first).
            context["registered_hierarchy"] = scoped_date_hierarchy(context["cl"], request)
        return response

    # --- filters and lookups --------------------------------------------------------

    def get_list_filter(self, request):
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str):
                field = get_fields_from_path(self.model, item)[-1]
                if field.is_relation and field.related_model is not None:
                    item = (item, ScopedRelatedFieldListFilter)
                elif field.null and field.choices:
                    item = (item, NotFilledInChoicesFilter)

            filters.append(item)
        # Filters an app lower down adds (settings.RELIEF_ADMIN_LIST_FILTERS).
        return filters + [f for f in extra_list_filters(self.model) if f not in filters]

    def lookup_allowed(self, lookup, value, request):
        first = lookup.split(LOOKUP_SEP, 1)[0]
        if first in self.sensitive_fields:
            return False
        if any(part in self.sensitive_fields for part in lookup.split(LOOKUP_SEP)[1:]):
            return False
        return super().lookup_allowed(lookup, value, request)

    # --- pages that fetch one record --------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        # django-simple-history falls back to the newest historical row when the object
        # is not in get_queryset(), which would show other districts' records.
        if self.get_object(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not hasattr(self.opts, "simple_history_manager_attribute"):
            # A model without django-simple-history (e.g. a re-evaluation run's record):
            # the admin's own history of its log entries, not simple-history's.
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The past-version page loads (and reverts) with an unscoped lookup.
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not str(version_id).isdigit():
            # A relative link of the record's own page ("../password/") followed from a
            # past version lands here: no such version, not a server error.
            raise Http404
        # simple-history only hides the revert button; refuse the POST itself too.
        if request.method == "POST" and (
            not self.has_change_permission(request, obj) or self.revert_disabled(request, obj)
        ):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        # Changes in a clerk's words: labels, not codes; names of records in scope only.
        return ClerkHistoryHelper(self.model, historical_record, user=request.user)

    def revert_disabled(self, request, obj=None):
        return (
            not self.revertible
            or super().revert_disabled(request, obj)
            or not self.has_change_permission(request, obj)
        )

    # --- delete confirmation -------------------------------------------------------

    def get_deleted_objects(self, objs, request):
        """Django lists every cascaded row by name; hide and protect out-of-scope ones."""
        try:
            first = objs[0]
        except IndexError:
            return [], {}, set(), []
        collector = NestedObjects(using=router.db_for_write(first._meta.model), origin=objs)
        collector.collect(objs)

        visible: dict[type, set] = {}
        pks_by_model: dict[type, set] = defaultdict(set)
        for obj in [*_flatten_collected(collector), *collector.protected]:
            pks_by_model[type(obj)].add(obj.pk)
        for model, pks in pks_by_model.items():
            if is_scoped_model(model):
                visible[model] = set(
                    scoped_queryset(model, request.user)
                    .filter(pk__in=pks)
                    .values_list("pk", flat=True)
                )

        perms_needed = set()
        hidden = _("a record of another unit")

        def format_callback(obj):
            model = type(obj)
            opts = obj._meta
            if model in visible and obj.pk not in visible[model]:
                perms_needed.add(hidden)
                return capfirst(hidden)
            label = "%s: %s" % (capfirst(opts.verbose_name), obj)
            model_admin = self.admin_site._registry.get(model)
            if model_admin is None:
                return label
            if not model_admin.has_delete_permission(request, obj):
                perms_needed.add(opts.verbose_name)
            try:
                url = reverse(
                    "%s:%s_%s_change" % (self.admin_site.name, opts.app_label, opts.model_name),
                    None,
                    (quote(obj.pk),),
                )
            except NoReverseMatch:
                return label
            return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)

        to_delete = collector.nested(format_callback)
        protected = [format_callback(obj) for obj in collector.protected]
        model_count = {
            # django-stubs types model_objs's keys as str; Django keys it by model class.
            model._meta.verbose_name_plural: len(instances)  # type: ignore[attr-defined]
            for model, instances in collector.model_objs.items()
        }
        return to_delete, model_count, perms_needed, protected


def _flatten_collected(collector):
    for instances in collector.model_objs.values():
        yield from instances
