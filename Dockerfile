# Production image: the same entry points as the Makefile (gunicorn for web, celery for worker and beat).
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/portal
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
# Build-time only values: the real ones come from the environment at run time.
RUN SECRET_KEY=build-only DEBUG=0 python manage.py compilemessages --ignore=.venv -v0 \
 && SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --noinput -v0

RUN useradd --system --home /app portal && mkdir -p /var/lib/portal/private && chown -R portal /var/lib/portal
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
