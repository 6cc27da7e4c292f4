"""Requests as a browser sends them: logged in, with CSRF checks on and the token in the htmx header."""

from django.test import Client


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post_with_csrf(client: Client, url: str, data: dict, **headers):
    """Posts as a browser would: with the CSRF token from the cookie, sent by htmx as a header."""
    client.get("/")
    token = client.cookies["csrftoken"].value
    return client.post(url, data, HTTP_X_CSRFTOKEN=token, **headers)
