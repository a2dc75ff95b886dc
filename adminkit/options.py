"""Building blocks the app admins declare instead of writing permission methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.admin import ActionLocation, helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from adminkit.errors import add_service_errors

# The mixins go in front of a ModelAdmin or an inline: for the type checker they derive
# from Django's classes (whose attributes they read); at run time from object.
if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin, InlineModelAdmin, ModelAdmin

    _AnyAdmin = BaseModelAdmin[Any]
    _InlineAdmin = InlineModelAdmin[Any, Any]
    _ModelAdmin = ModelAdmin[Any]
else:
    _AnyAdmin = _InlineAdmin = _ModelAdmin = object


class ReadOnlyMixin(_AnyAdmin):
    """Nobody adds, changes or deletes here (superusers included); viewing follows the
    view permission and the scope. For model admins and inlines alike."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInlineMixin(ReadOnlyMixin, _InlineAdmin):
    """An inline that lists related rows and offers no empty form or delete box."""

    extra = 0
    max_num = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields


class RecordActionsMixin(_ModelAdmin):
    """On a record's own page, the action menu offers only what applies to the record.

    ``action_applies`` maps an action's name to a test of the record (a pending case can
    be verified, not reopened); actions it does not name are always offered. The list's
    menu is unchanged: there each record is checked when the action runs.
    """

    action_applies: ClassVar[dict[str, Callable[[Any], bool]]] = {}

    def get_actions(
        self, request: HttpRequest, action_location: Any = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        actions = super().get_actions(request, action_location=action_location)
        if action_location != ActionLocation.CHANGE_FORM or not self.action_applies:
            return actions
        match = request.resolver_match
        object_id = match.kwargs.get("object_id") if match else None
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is None:
            return actions
        return {
            name: action
            for name, action in actions.items()
            if self.action_applies.get(name, lambda record: True)(obj)
        }


class ServiceAddMixin(_ModelAdmin):
    """An add page whose save is a service call (``post_through_service``); an admin
    that does not define it keeps Django's own save."""

    def post_through_service(self, request: HttpRequest, form: ModelForm[Any]) -> models.Model:
        """Write the new record with a service function and return it."""
        raise NotImplementedError

    def add_view(
        self,
        request: HttpRequest,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Django's add page, except that the service does the write.

        A ``ValidationError`` from the service (an overdraw, a case not on file) is shown
        on the form like any other error instead of ending in a server error.
        """
        overridden = type(self).post_through_service is not ServiceAddMixin.post_through_service
        if request.method != "POST" or not overridden:
            return super().add_view(request, form_url, extra_context)
        if not self.has_add_permission(request):
            raise PermissionDenied
        fieldsets = self.get_fieldsets(request, None)
        form_class = self.get_form(
            request, None, change=False, fields=flatten_fieldsets(fieldsets)
        )
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                obj = self.post_through_service(request, form)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                # django-stubs types the form as Form; Django's add_view passes its ModelForm.
                message = self.construct_change_message(
                    request,
                    form,  # type: ignore[arg-type]
                    [],
                    add=True,
                )
                self.log_addition(request, obj, message)
                return self.response_add(request, obj)
        admin_form = helpers.AdminForm(
            form,
            # django-stubs' AdminForm takes a narrower fieldsets type than get_fieldsets's.
            list(fieldsets),  # type: ignore[arg-type]
            self.get_prepopulated_fields(request, None),
            self.get_readonly_fields(request, None),
            model_admin=self,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add %s") % self.opts.verbose_name,
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": IS_POPUP_VAR in request.POST or IS_POPUP_VAR in request.GET,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)
