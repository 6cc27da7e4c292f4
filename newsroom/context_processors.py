from newsroom.rules import Action, may, navigation


def desk(request) -> dict:
    """What templates may show, from the rule set: ``may.<action>`` and the ``navigation`` links.

    Views still check every action themselves; these flags only decide what is shown.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "may": {action.value: may(user, action) for action in Action},
        "navigation": navigation(user),
    }
