from django.utils.functional import SimpleLazyObject

from newsroom.notifications import unread_count
from newsroom.rules import Action, may, navigation


def desk(request) -> dict:
    """What templates may show, from the rule set: ``may.<action>``, the ``navigation`` links and the
    ``unread_notifications`` count of the header's inbox (one query, made only when a template shows it).

    Views still check every action themselves; these flags only decide what is shown.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "may": {action.value: may(user, action) for action in Action},
        "navigation": navigation(user),
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
    }
