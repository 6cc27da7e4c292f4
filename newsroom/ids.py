"""Record ids: a one-letter prefix, an underscore and 24 hex characters."""

import re
import secrets

from django.core.validators import RegexValidator


def new_id(prefix: str) -> str:
    """Returns a fresh random id such as ``r_962befd433e1b733938e3628``."""
    return f"{prefix}_{secrets.token_hex(12)}"


def id_pattern(prefix: str) -> re.Pattern:
    return re.compile(rf"^{prefix}_[0-9a-f]{{24}}$")


def id_validator(prefix: str) -> RegexValidator:
    return RegexValidator(
        id_pattern(prefix).pattern,
        f"Must be '{prefix}_' followed by 24 lowercase hex characters.",
    )


def new_rewrite_id() -> str:
    return new_id("r")


def new_cluster_id() -> str:
    return new_id("c")


def new_article_id() -> str:
    return new_id("a")
