from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from reliefsite.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]

# Refusals as an admin page in Chinese, not the bare "403 Forbidden".
handler403 = "adminkit.denied.permission_denied"
