def desk(request) -> dict:
    """Role flags for the navigation; the views check permissions themselves."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_review": user.has_perm("rewrites.review_rewrite"),
        "can_export": user.has_perm("rewrites.export_newsletter"),
        "can_manage_sources": user.has_perm("clusters.change_source"),
    }
