"""The pure helpers of scripts/cluster.py (`make cluster-test` runs the script itself against a real cluster)."""

import argparse
import importlib.util
import inspect
import sys
from pathlib import Path

import pytest

from portal.documents import render_document

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "cluster.py"


@pytest.fixture(scope="module")
def cluster():
    spec = importlib.util.spec_from_file_location("cluster_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_parse_ports_accepts_two_different_ports(cluster):
    assert cluster.parse_ports("8131,8132") == (8131, 8132)


@pytest.mark.parametrize("value", ["8131", "8131,8131", "8131,8132,8133", "80,8132", "8131,70000", "a,b", ""])
def test_parse_ports_refuses_anything_else(cluster, value):
    with pytest.raises(argparse.ArgumentTypeError):
        cluster.parse_ports(value)


def test_parse_args_defaults_to_run_on_the_default_ports_with_one_process_per_worker(cluster):
    args = cluster.parse_args([])
    assert (args.mode, args.ports, args.concurrency) == ("run", None, 1)
    assert cluster.choose_ports(args.mode, args.ports) == (8131, 8132)


def test_parse_args_reads_mode_ports_and_concurrency(cluster):
    args = cluster.parse_args(["test", "--ports", "9001,9002", "--concurrency", "2"])
    assert (args.mode, args.ports, args.concurrency) == ("test", (9001, 9002), 2)
    assert cluster.choose_ports(args.mode, args.ports) == (9001, 9002)


@pytest.mark.parametrize("argv", [["deploy"], ["run", "--concurrency", "3"], ["run", "--ports", "1,2"]])
def test_parse_args_refuses_unknown_modes_and_bad_values(cluster, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cluster.parse_args(argv)
    assert exit_info.value.code == 2


def test_test_mode_chooses_two_different_free_ports(cluster):
    ports = cluster.choose_ports("test", None)
    assert len(ports) == 2 and ports[0] != ports[1]
    assert all(cluster.port_is_free(port) for port in ports)


def test_port_is_free_is_false_for_a_port_in_use(cluster):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert not cluster.port_is_free(sock.getsockname()[1])


def test_maintenance_url_points_at_the_postgres_database_of_the_same_server(cluster):
    assert cluster.maintenance_url("postgres://postgres@127.0.0.1:5432/portal_cluster") == (
        "postgresql://postgres@127.0.0.1:5432/postgres",
        "portal_cluster",
    )


@pytest.mark.parametrize("url", ["sqlite:///var/portal.sqlite3", "postgres://postgres@127.0.0.1:5432/"])
def test_maintenance_url_refuses_other_databases_and_missing_names(cluster, url):
    with pytest.raises(ValueError):
        cluster.maintenance_url(url)


def make_env(cluster, base, mode):
    return cluster.cluster_env(
        base,
        database_url="postgres://postgres@127.0.0.1:5432/portal_cluster",
        redis_url="redis://127.0.0.1:6379/13",
        var_dir=Path("/tmp/var/cluster"),
        site_url="http://127.0.0.1:8131",
        mode=mode,
    )


def test_cluster_env_is_production_over_plain_http_with_shared_services(cluster):
    base = {"PATH": "/usr/bin", "DEBUG": "1", "TESTING": "1", "DATABASE_URL": "postgres:///other", "REDIS_URL": "x"}
    env = make_env(cluster, base, "run")
    assert env["PATH"] == "/usr/bin"
    assert "TESTING" not in env
    assert (env["DEBUG"], env["HTTPS"], env["ALLOWED_HOSTS"]) == ("0", "0", "127.0.0.1,localhost")
    assert env["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5432/portal_cluster"
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/13"
    assert env["PRIVATE_FILES_ROOT"] == "/tmp/var/cluster/private"
    assert env["SECRET_KEY"] == cluster.DEFAULT_SECRET_KEY
    assert "REQUIRE_STAFF_MFA" not in env  # run: the production default (staff two-factor on)


def test_cluster_env_keeps_a_given_secret_key_and_turns_staff_mfa_off_only_for_the_test(cluster):
    env = make_env(cluster, {"SECRET_KEY": "given", "S3_BUCKET": "shared", "AWS_STORAGE_BUCKET_NAME": "other"}, "test")
    assert env["SECRET_KEY"] == "given"
    assert env["REQUIRE_STAFF_MFA"] == "0"
    assert "S3_BUCKET" not in env and "AWS_STORAGE_BUCKET_NAME" not in env


def test_render_counts_counts_each_document_of_one_kind(cluster):
    prefix = "[2026-11-28 16:02:40,001: INFO/ForkPoolWorker-1]"
    log = "\n".join(
        [
            f"{prefix} Rendering document projects.decision_support #7, attempt 1.",
            f"{prefix} Rendering document checks.decision_letter #7, attempt 1.",
            f"{prefix} Rendering document projects.decision_support #8, attempt 1.",
            f"{prefix} Rendering document projects.decision_support #8, attempt 2.",
            f"{prefix} Task portal.tasks.render_document_task succeeded: #9",
        ]
    )
    assert cluster.render_counts(log, "projects.decision_support") == {7: 1, 8: 2}
    assert cluster.render_counts(log, "checks.decision_letter") == {7: 1}


def test_render_counts_reads_the_line_that_render_document_logs(cluster):
    message = "Rendering document %s #%s, attempt %s."
    assert f'logger.info("{message}", kind, document_id, document.attempts)' in inspect.getsource(render_document)
    assert cluster.render_counts(message % ("projects.decision_support", 12, 1), "projects.decision_support") == {12: 1}
