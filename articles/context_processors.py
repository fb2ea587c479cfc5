from django.conf import settings


def site(request):
    return {"newsroom_name": settings.NEWSROOM_NAME, "site_language": settings.LANGUAGE_CODE}
