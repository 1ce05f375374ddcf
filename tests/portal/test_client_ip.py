import pytest
from django.test import RequestFactory

from portal.client_ip import client_ip


def _request(forwarded_for=None, remote_addr="172.18.0.9"):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.7", "172.18.0.9"),  # no trusted proxy: the header is the client's own claim
        (1, None, "172.18.0.9"),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.1, 203.0.113.7", "203.0.113.7"),  # the client's own entries are ignored
        (1, "10.0.0.1,203.0.113.7", "203.0.113.7"),
        (2, "10.0.0.1, 203.0.113.7, 192.0.2.1", "203.0.113.7"),  # a load balancer, then nginx
        (2, "203.0.113.7", "203.0.113.7"),  # fewer entries than proxies: the leftmost, written by ours
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "[2001:DB8::1]", "2001:db8::1"),
        (1, "10.0.0.1, garbage", "172.18.0.9"),
        (1, "10.0.0.1, unknown", "172.18.0.9"),
        (1, "10.0.0.1, 203.0.113.7:4711", "172.18.0.9"),
        (1, "", "172.18.0.9"),
        (1, " , ", "172.18.0.9"),
    ],
)
def test_client_ip_is_the_address_the_outermost_trusted_proxy_saw(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(_request(forwarded_for)) == expected


def test_client_ip_without_any_address_is_empty(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("nonsense", remote_addr="")) == ""


def test_the_sign_in_limits_use_the_same_address(settings):
    from allauth.account.adapter import get_adapter

    settings.TRUSTED_PROXY_COUNT = 1
    request = _request("10.0.0.1, 203.0.113.7")
    assert get_adapter(request).get_client_ip(request) == "203.0.113.7"
