# Production image: the same entry points as the Makefile (gunicorn for web, celery for worker and beat).
# Two stages: the build stage installs the dependencies into a virtualenv, compiles the translations (gettext)
# and collects the static files; the run stage has only the virtualenv, the code and WeasyPrint's libraries.

FROM python:3.12-slim AS build
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 VAR_DIR=/var/lib/portal
# gcc, libxmlsec1-dev and pkg-config: pip builds xmlsec (SAML signatures; PyPI has no wheel of the pinned release)
# against the system's libxmlsec1, which the run stage installs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext gcc libc6-dev libxmlsec1-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements/base.txt /tmp/base.txt
RUN pip install --no-cache-dir -r /tmp/base.txt
WORKDIR /app
COPY . .
# Build-time only values: the real ones come from the environment at run time.
RUN SECRET_KEY=build-only DEBUG=0 python manage.py compilemessages --ignore=.venv -v0 \
 && SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --noinput -v0


FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/portal PATH=/opt/venv/bin:$PATH
# WeasyPrint's libraries (Pango, HarfBuzz with subsetting), the fonts the PDF style sheet names and xmlsec's
# libraries (SAML sign-in).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
      libxmlsec1 libxmlsec1-openssl \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin portal \
 && mkdir -p /var/lib/portal/private /var/lib/portal/beat \
 && chown -R portal /var/lib/portal
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
COPY --from=build --chown=portal /var/lib/portal/static /var/lib/portal/static
WORKDIR /app
USER portal
EXPOSE 8000
# No HEALTHCHECK here: the image also runs the worker and beat; docker-compose.yml gives each service its own.
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
