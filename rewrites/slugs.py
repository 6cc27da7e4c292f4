"""A story's slug (its address, /stories/<slug>/): made from its headline, never one another rewrite uses."""

from __future__ import annotations

from django.utils.text import slugify

from rewrites.models import Rewrite


def unique_slug(text: str, *, exclude_id: str | None = None) -> str:
    """Returns a slug for text that no other rewrite uses."""
    base = slugify(text)[:180].strip("-") or "story"
    slug, number = base, 1
    taken = Rewrite.objects.exclude(id=exclude_id) if exclude_id else Rewrite.objects.all()
    while taken.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug
