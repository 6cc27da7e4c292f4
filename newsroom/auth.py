"""Bearer-token authentication for the records API."""

from django.http import JsonResponse
from django.utils import timezone

from newsroom.models import ApiToken, hash_token


class ApiTokenMiddleware:
    """Authenticates ``Authorization: Bearer <token>`` requests to /api/.

    A request carrying a token that is unknown or revoked is refused outright
    rather than treated as anonymous, so a client learns its token is wrong.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if request.path.startswith("/api/") and header:
            scheme, _, key = header.partition(" ")
            if scheme.lower() != "bearer" or not key.strip():
                return JsonResponse(
                    {"error": "Use 'Authorization: Bearer <token>' with a token an admin created."},
                    status=401,
                )
            token = ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(key.strip())).first()
            if token is None:
                return JsonResponse({"error": "This API token is unknown or has been revoked."}, status=401)
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
            request.user = token.user
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)
