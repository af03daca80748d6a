"""WSGI entry point for granian (``granian --interface wsgi tsunagu.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")
application = get_wsgi_application()
