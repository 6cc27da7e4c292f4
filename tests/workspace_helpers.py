"""Browser-like requests for the workspace and queue tests: CSRF tokens as htmx sends them."""

import json

from django.test import Client

from rewrites.models import Rewrite


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post_with_csrf(client: Client, url: str, data: dict, **headers):
    """Posts as a browser would: with the CSRF token from the cookie, sent by htmx as a header."""
    client.get("/")
    token = client.cookies["csrftoken"].value
    return client.post(url, data, HTTP_X_CSRFTOKEN=token, **headers)


def lint_codes(rewrite: Rewrite) -> set[str]:
    return {flag["code"] for flag in json.loads(rewrite.lint_flags_json or "[]")}
