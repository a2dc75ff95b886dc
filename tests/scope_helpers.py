"""Assertions for "outside scope looks exactly like does-not-exist"."""

MISSING_PK = 987654321


def _outcome(response, pk) -> tuple:
    context = response.context or {}
    messages = [str(m).replace(str(pk), "<id>") for m in context.get("messages", [])]
    return response.status_code, response.redirect_chain, messages


def assert_looks_missing(client, url_template: str, hidden_pk, method: str = "get", data=None):
    """The page for ``hidden_pk`` answers exactly as for a pk that never existed."""
    send = getattr(client, method)
    hidden = send(url_template.format(pk=hidden_pk), data or {}, follow=True)
    missing = send(url_template.format(pk=MISSING_PK), data or {}, follow=True)
    assert _outcome(hidden, hidden_pk) == _outcome(missing, MISSING_PK)
    assert hidden.redirect_chain or hidden.status_code in (403, 404)
    return hidden
