"""Every URL pattern of the desk, made concrete with real objects, for tests that must cover each view."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch


@dataclass
class Route:
    name: str
    path: str
    kwargs: dict


def _walk(resolver: URLResolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _argument_names(pattern: URLPattern) -> list[str]:
    return list(getattr(pattern.pattern, "converters", {})) or list(pattern.pattern.regex.groupindex)


def routes(samples: dict[str, str]) -> tuple[list[Route], list[str]]:
    """Each named URL pattern reversed with the sample value for each of its arguments.

    A sample keyed "<url name>:<argument>" is used for that route only, where an
    argument of the same name means something else.

    Returns the routes and the names that could not be reversed with the samples
    (so a test can insist there are none it did not expect).
    """
    found, unreversed, seen = [], [], set()
    for name, pattern in _walk(get_resolver()):
        kwargs = {arg: samples.get(f"{name}:{arg}", samples.get(arg, "1")) for arg in _argument_names(pattern)}
        try:
            path = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            unreversed.append(name)
            continue
        if path not in seen:
            seen.add(path)
            found.append(Route(name=name, path=path, kwargs=kwargs))
    return found, unreversed
