"""docker-compose.yml, the Dockerfile and .env.example agree with the settings and the Makefile.

Docker cannot run here, so the files are read as data: the services, their health checks, volumes and order,
the variables they pass (each one read by the portal), and the settings a container would get from them.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings

from portal.file_storage import S3_BACKEND, S3_ENV_NAMES

ROOT = Path(django_settings.BASE_DIR)
APP_DIRS = ("portal", "projects", "checks", "webinars")
PORTAL_SERVICES = ("web", "worker", "beat", "migrate")  # built from the Dockerfile
LONG_RUNNING = ("proxy", "web", "worker", "beat", "db", "redis", "minio")
ONE_SHOTS = ("migrate", "minio-init")
# Read by Python, pip or the shell, not by the portal.
RUNTIME_VARIABLES = {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_DISABLE_PIP_VERSION_CHECK"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def variables_read_by_the_portal() -> set[str]:
    """Every environment variable the portal's code reads (settings, storage, commands)."""
    pattern = re.compile(
        r"""(?:environ\.get|environ\[|getenv|env_bool|env_int|env_list)\(?\s*["']([A-Z][A-Z0-9_]*)["']"""
    )
    names = set(S3_ENV_NAMES)
    for app in APP_DIRS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                names.update(pattern.findall(path.read_text()))
    return names


def nginx_config() -> str:
    return (ROOT / "deploy" / "nginx.conf").read_text()


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), split into stages."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def dockerfile_env(stage: list[str]) -> dict[str, str]:
    env = {}
    for line in stage:
        if line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def makefile_recipe(target: str) -> str:
    match = re.search(rf"^{target}:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    return match.group(1).replace("$(VENV)/bin/", "")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:?message} and ${NAME:-default} with `env` as the .env file."""

    def one(match):
        name, operator, argument = match.group(1), match.group(2) or "", match.group(3) or ""
        found = env.get(name, "")
        if operator == ":?" and not found:
            raise AssertionError(f"compose would refuse to start: {argument}")
        return found or (argument if operator == ":-" else "")

    return re.sub(r"\$\{(\w+)(:[?-])?([^}]*)\}", one, value)


# --- services -----------------------------------------------------------------------------------------------------


def test_the_stack_has_its_services(services):
    assert set(LONG_RUNNING + ONE_SHOTS) <= set(services)
    for name in PORTAL_SERVICES:
        assert services[name]["build"] == "."
    assert services["minio"]["image"].startswith("minio/minio")
    assert services["minio-init"]["image"].startswith("minio/mc")


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_have_a_healthcheck_and_restart(services, name):
    service = services[name]
    assert service["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}
    assert service["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", ONE_SHOTS)
def test_one_shot_services_are_not_restarted(services, name):
    assert services[name]["restart"] == "no"
    assert "healthcheck" not in services[name]


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_the_portal_waits_for_migrations_and_the_bucket(services, name):
    depends = services[name]["depends_on"]
    assert depends["migrate"] == {"condition": "service_completed_successfully"}
    assert depends["minio-init"] == {"condition": "service_completed_successfully"}
    for backing in ("db", "redis", "minio"):
        assert depends[backing] == {"condition": "service_healthy"}
    assert "migrate" not in services[name]["command"]  # run once, by the migrate service only


def test_migrations_run_once_in_their_own_service(services):
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert services["minio-init"]["depends_on"]["minio"] == {"condition": "service_healthy"}


def test_every_volume_is_named_and_the_state_is_kept(compose, services):
    declared = set(compose["volumes"])
    mounted = {}
    for name, service in services.items():
        if name == "proxy":
            continue  # read-only files from the host: its configuration and the certificate (below)
        for mount in service.get("volumes", []):
            source, target = mount.split(":")[:2]
            assert source in declared, f"{name}: {mount} is not a named volume"
            mounted[name] = target
    assert mounted == {
        "db": "/var/lib/postgresql/data",
        "redis": "/data",
        "minio": "/data",
        "beat": "/var/lib/portal/beat",
    }
    assert declared == {"db-data", "redis-data", "minio-data", "beat-state"}


def test_only_the_proxy_is_published_and_it_reaches_the_portal(services):
    assert services["proxy"]["ports"] == ["80:80", "443:443"]
    assert all("ports" not in services[name] for name in services if name != "proxy")
    assert services["proxy"]["image"].startswith("nginx:")
    assert services["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_the_proxy_runs_the_committed_configuration_with_the_certificate_read_only(services):
    mounts = {target: source for source, target, _mode in (m.rsplit(":", 2) for m in services["proxy"]["volumes"])}
    assert [m.endswith(":ro") for m in services["proxy"]["volumes"]] == [True, True]
    assert mounts["/etc/nginx/conf.d/default.conf"] == "./deploy/nginx.conf"
    assert mounts["/etc/nginx/certs"] == "${TLS_CERTS_DIR:?set TLS_CERTS_DIR in .env}"
    config = nginx_config()
    assert "ssl_certificate /etc/nginx/certs/fullchain.pem;" in config
    assert "ssl_certificate_key /etc/nginx/certs/privkey.pem;" in config
    # The certificate folder stays out of git and of the image.
    assert "deploy/certs/" in (ROOT / ".gitignore").read_text().split()
    assert "deploy/certs" in (ROOT / ".dockerignore").read_text().split()


def test_the_proxy_refuses_the_same_body_size_as_the_portal():
    [size] = re.findall(r"^\s*client_max_body_size (\d+)m;", nginx_config(), re.MULTILINE)
    assert int(size) * 1024 * 1024 == django_settings.MAX_REQUEST_BODY_SIZE
    assert re.search(r"^\s*error_page 413 /request-too-large/;", nginx_config(), re.MULTILINE)


def test_the_proxy_redirects_to_https_and_forwards_what_the_portal_trusts(services):
    config = nginx_config()
    plain, tls = config.split("server {")[1:3]
    assert "listen 80 " in plain and "return 301 https://$host$request_uri;" in plain
    assert "listen 443 ssl " in tls
    for location in re.findall(r"location [^{]*\{(.*?)\n    \}", tls, re.DOTALL):
        assert "set $portal web:8000;" in location and "proxy_pass http://$portal;" in location
        assert "proxy_set_header Host $host;" in location
        # Appends the client's address: the one entry the portal trusts (TRUSTED_PROXY_COUNT=1) ...
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in location
        # ... and says the request came over TLS (SECURE_PROXY_SSL_HEADER).
        assert "proxy_set_header X-Forwarded-Proto https;" in location
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == 1


# --- commands -----------------------------------------------------------------------------------------------------


def test_worker_runs_the_makefiles_worker_command(services):
    assert services["worker"]["command"] == makefile_recipe("worker")


def test_beat_runs_the_makefiles_beat_command_with_its_schedule_in_a_volume(services):
    compose_args = shlex.split(services["beat"]["command"])
    make_args = shlex.split(makefile_recipe("beat"))
    schedule = [arg for arg in compose_args if arg.startswith("--schedule=")]
    assert [arg for arg in compose_args if arg not in schedule] == [
        arg for arg in make_args if not arg.startswith("--schedule=")
    ]
    mount = services["beat"]["volumes"][0].split(":")[1]
    assert len(schedule) == 1 and Path(schedule[0].split("=", 1)[1]).parent == Path(mount)


def test_web_runs_the_images_command_without_an_access_log(services):
    """The portal writes its own request log lines; gunicorn's would print each request twice."""
    cmd = next(line for line in dockerfile_stages()[-1] if line.startswith("CMD "))
    assert shlex.split(services["web"]["command"]) == json.loads(cmd[4:])
    assert services["web"]["command"].startswith("gunicorn portal.wsgi:application ")
    assert "--workers 2" in services["web"]["command"]  # the number the README gives for 2 cores
    assert "--workers 2" in (ROOT / "README.md").read_text()
    for name in ("docker-compose.yml", "Dockerfile", "Makefile"):
        assert "--access-logfile" not in (ROOT / name).read_text(), name


# --- variables ----------------------------------------------------------------------------------------------------


def test_every_variable_compose_passes_to_the_portal_is_read_by_it(services):
    read = variables_read_by_the_portal()
    for name in PORTAL_SERVICES:
        passed = set(services[name]["environment"])
        assert passed <= read, f"{name} sets variables the portal never reads: {passed - read}"
        assert services[name]["env_file"] == ".env"
    assert {"DATABASE_URL", "REDIS_URL", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID"} <= set(
        services["web"]["environment"]
    )


def test_every_variable_the_dockerfile_sets_is_read_by_the_portal_or_python():
    read = variables_read_by_the_portal() | RUNTIME_VARIABLES
    for stage in dockerfile_stages():
        assert set(dockerfile_env(stage)) <= read


def test_every_variable_in_env_example_is_read_by_the_portal_or_by_compose():
    compose_text = (ROOT / "docker-compose.yml").read_text()
    interpolated = set(re.findall(r"\$\{(\w+)", compose_text))
    unused = set(env_example()) - variables_read_by_the_portal() - interpolated
    assert not unused, f".env.example lists variables nothing reads: {unused}"
    assert interpolated <= set(env_example()), "compose needs variables .env.example does not list"


def test_compose_and_the_image_agree_on_the_var_dir(services):
    image_var_dir = dockerfile_env(dockerfile_stages()[-1])["VAR_DIR"]
    for name in PORTAL_SERVICES:
        # .env.example has VAR_DIR= (empty): compose must set it, or the portal would look under /app/var.
        assert services[name]["environment"]["VAR_DIR"] == image_var_dir


def _container_environment(services, tmp_path) -> dict[str, str]:
    """What the web container's environment would be with .env.example filled in as the README says."""
    dotenv = {
        **env_example(),
        "SECRET_KEY": "a-real-production-secret-key-with-enough-length-and-variety-8f3k2j5h",
        "EMAIL_HOST": "smtp.example.se",
        "POSTGRES_PASSWORD": "pgsecret",
        "S3_SECRET_ACCESS_KEY": "s3secretvalue",
        "MINIO_ROOT_PASSWORD": "miniorootsecret",
    }
    assert dotenv["TLS_CERTS_DIR"], "compose needs the certificate folder"
    environment = {name: interpolate(str(value), dotenv) for name, value in services["web"]["environment"].items()}
    image = dockerfile_env(dockerfile_stages()[-1])
    return {
        **{name: value for name, value in image.items() if name != "PATH"},
        **dotenv,
        **environment,
        "VAR_DIR": str(tmp_path),  # /var/lib/portal in the container; not created on this machine
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }


def test_the_web_container_gets_production_settings(services, tmp_path):
    env = _container_environment(services, tmp_path)
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'files': s.STORAGES['default'], 'static': s.STORAGES['staticfiles']['BACKEND'],"
        "'middleware': s.MIDDLEWARE, 'db': s.DATABASES['default']['HOST'], 'redis': s.REDIS_URL,"
        "'sessions': s.SESSION_ENGINE, 'debug': s.DEBUG, 'https': s.HTTPS, 'proxies': s.TRUSTED_PROXY_COUNT}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["files"]["BACKEND"] == S3_BACKEND
    assert seen["files"]["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert seen["files"]["OPTIONS"]["bucket_name"] == env_example()["S3_BUCKET"]
    assert seen["files"]["OPTIONS"]["default_acl"] == "private"
    assert seen["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # Static files are served by whitenoise, right after the request log and the security headers.
    assert seen["middleware"].index("whitenoise.middleware.WhiteNoiseMiddleware") == 4
    assert seen["middleware"][:4] == [
        "portal.logs.RequestLogMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.csp.ContentSecurityPolicyMiddleware",
        "portal.middleware.PermissionsPolicyMiddleware",
    ]
    assert (seen["db"], seen["redis"]) == ("db", "redis://redis:6379/0")
    assert seen["sessions"] in {"django.contrib.sessions.backends.cached_db", "django.contrib.sessions.backends.cache"}
    assert (seen["debug"], seen["https"]) == (False, True)
    assert seen["proxies"] == 1  # the client's address is the one the proxy appended


def test_the_web_container_passes_the_deployment_checks(services, tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=_container_environment(services, tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the image ----------------------------------------------------------------------------------------------------


def test_the_image_is_built_in_two_slim_stages():
    build, run = dockerfile_stages()
    assert build[0] == "FROM python:3.12-slim AS build"
    assert run[0] == "FROM python:3.12-slim"
    build_text, run_text = "\n".join(build), "\n".join(run)
    # Translations are compiled and static files collected at build time; gettext stays out of the run stage.
    assert "gettext" in build_text and "gettext" not in run_text
    assert "manage.py compilemessages" in build_text and "manage.py collectstatic --noinput" in build_text
    assert "COPY --from=build /opt/venv /opt/venv" in run_text
    assert dockerfile_env(build)["VAR_DIR"] == dockerfile_env(run)["VAR_DIR"]  # static files where settings look


def test_the_image_has_weasyprints_libraries_and_runs_as_a_user():
    run = dockerfile_stages()[-1]
    packages = set(" ".join(line for line in run if "apt-get install" in line).split())
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libharfbuzz-subset0", "fonts-dejavu-core"} <= (
        packages
    )
    users = [line.split()[1] for line in run if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}


def test_docker_build_context_leaves_out_local_state_and_test_output():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", "var", ".git", "test-results", ".pytest_cache", "**/__pycache__"):
        assert entry in ignored
