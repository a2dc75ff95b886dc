"""System checks that keep every admin door behind the one scope mechanism."""

from django.contrib import admin
from django.core.checks import Error, Tags, register

from adminkit.extensions import extra_inlines
from adminkit.scope import ScopedAdmin, ScopedInlineMixin, is_scoped_model


@register(Tags.admin)
def check_scoped_admins(app_configs, **kwargs):
    errors = []
    for model, model_admin in admin.site._registry.items():
        if is_scoped_model(model) and not isinstance(model_admin, ScopedAdmin):
            errors.append(
                Error(
                    f"{model._meta.label} is scoped but its admin "
                    f"{type(model_admin).__name__} does not extend ScopedAdmin.",
                    hint="Subclass adminkit.scope.ScopedAdmin so scope applies.",
                    obj=type(model_admin),
                    id="reliefsite.E001",
                )
            )
        for inline in [*getattr(model_admin, "inlines", []), *extra_inlines(model)]:
            if is_scoped_model(inline.model) and not issubclass(inline, ScopedInlineMixin):
                errors.append(
                    Error(
                        f"Inline {inline.__name__} of {model._meta.label} is scoped but "
                        "does not extend ScopedInlineMixin.",
                        obj=inline,
                        id="reliefsite.E001",
                    )
                )
    return errors
