"""Login protection (django-axes): where a client's IP address comes from, and the
Chinese page a locked-out user sees.

The IP address is read from ``X-Forwarded-For`` only when the deployment says it runs
behind that many proxies (``TRUSTED_PROXY_COUNT``): otherwise anyone could send the header
and make every failed login count against a made-up address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one our own proxies saw, never what the client claims.

    Each trusted proxy appends the address it received the request from, so with N proxies
    in front of Django the client is the N-th address from the right.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The admin's own look, in Chinese: how long the lock lasts and who can lift it."""
    from django.contrib import admin

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **admin.site.each_context(request),
        "title": "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": minutes,
    }
    # Rendered now: the lockout is returned from middleware, after the template phase.
    return render(
        request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
