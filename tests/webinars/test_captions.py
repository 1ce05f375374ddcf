"""Captions for webinar recordings (WCAG 1.2.2): a WebVTT file checked on upload, served for the player's
<track>, or the recording marked as captioned by its own player."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_portal_admin
from webinars.captions import CaptionError, parse_webvtt
from webinars.selectors import uncaptioned_recordings

from .factories import WebinarFactory

pytestmark = pytest.mark.django_db

VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nVälkomna till webbinariet.\n\n01:02.500 --> 01:05.000\nTack!\n"


@pytest.fixture
def admin_client(client):
    client.force_login(make_portal_admin())
    return client


def past_webinar(**kwargs):
    now = timezone.now()
    return WebinarFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=2), **kwargs)


def post_recording(client, webinar, url="https://video.example.org/1.mp4", **data):
    return client.post(reverse("webinars:webinar_recording", args=[webinar.pk]), {"recording_url": url, **data})


def test_a_valid_webvtt_file_is_accepted_with_a_bom_and_windows_line_endings():
    text = parse_webvtt(("\ufeff" + VTT.replace("\n", "\r\n")).encode())
    assert text.startswith("WEBVTT\n") and "\r" not in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"00:00:01.000 --> 00:00:04.000\nHej\n", "Det här är inte en WebVTT-fil: första raden måste vara ”WEBVTT”."),
        (b"WEBVTT\n\nHej\n", "Undertextfilen innehåller inga undertexter (ingen rad med tidsangivelse)."),
        (
            b"WEBVTT\n\n00:00:01 --> 00:00:04\nHej\n",
            "Rad 3 har ingen giltig tidsangivelse (00:00:01.000 --> 00:00:04.000).",
        ),
        (b"WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nHej\n", "Rad 3: en textremsa måste sluta efter att den börjar."),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nHej\n".encode("utf-16"), "Undertextfilen måste vara text i UTF-8."),
        (b"WEBVTT\n" + b"x" * (2 * 1024 * 1024), "Undertextfilen är större än 2 MB."),
    ],
)
def test_a_file_that_is_not_webvtt_is_refused_with_the_reason(content, message):
    with pytest.raises(CaptionError) as error:
        parse_webvtt(content)
    assert str(error.value) == message


def test_the_admin_attaches_captions_and_the_player_gets_a_caption_track(admin_client, client):
    webinar = past_webinar()
    upload = SimpleUploadedFile("inspelning.vtt", VTT.encode(), content_type="text/vtt")

    response = post_recording(admin_client, webinar, captions_file=upload)

    assert response.status_code == 302
    webinar.refresh_from_db()
    assert webinar.recording_captions == VTT and webinar.has_captions
    assert list(uncaptioned_recordings()) == []
    captions = client.get(reverse("webinars:captions", args=[webinar.pk]))
    assert captions.status_code == 200
    assert captions["Content-Type"] == "text/vtt; charset=utf-8"
    assert captions.content.decode() == VTT
    page = client.get(reverse("webinars:detail", args=[webinar.pk])).content.decode()
    track = f'<track kind="captions" src="{reverse("webinars:captions", args=[webinar.pk])}" srclang="sv"'
    assert track in page
    assert "Undertexter (WebVTT-fil)" in page
    assert "Inspelningen har ännu inga undertexter." not in page


def test_a_bad_caption_file_is_refused_next_to_the_field_and_nothing_is_saved(admin_client):
    webinar = past_webinar()
    upload = SimpleUploadedFile("inspelning.srt", b"1\n00:00:01,000 --> 00:00:04,000\nHej\n")

    response = post_recording(admin_client, webinar, captions_file=upload)

    assert response.status_code == 400
    assert "Det här är inte en WebVTT-fil: första raden måste vara ”WEBVTT”." in response.content.decode()
    webinar.refresh_from_db()
    assert webinar.recording_url == "" and webinar.recording_captions == ""


def test_a_recording_marked_as_captioned_by_its_player_is_not_listed(admin_client, client):
    webinar = past_webinar()

    response = post_recording(admin_client, webinar, url="https://video.example.org/1", captioned="on")

    assert response.status_code == 302
    webinar.refresh_from_db()
    assert webinar.recording_captioned and not webinar.recording_captions
    assert list(uncaptioned_recordings()) == []
    page = client.get(reverse("webinars:detail", args=[webinar.pk])).content.decode()
    assert "<video" not in page  # not a video file: the link only
    assert reverse("webinars:captions", args=[webinar.pk]) not in page


def test_a_recording_without_captions_says_so_and_has_no_caption_file(admin_client, client):
    webinar = past_webinar()
    post_recording(admin_client, webinar)

    page = client.get(reverse("webinars:detail", args=[webinar.pk])).content.decode()

    assert "Inspelningen har ännu inga undertexter." in page
    assert list(uncaptioned_recordings()) == [webinar]
    assert client.get(reverse("webinars:captions", args=[webinar.pk])).status_code == 404


def test_the_admin_removes_the_caption_file(admin_client):
    webinar = past_webinar(recording_url="https://video.example.org/1.mp4", recording_captions=VTT)

    response = post_recording(admin_client, webinar, remove_captions="on")

    assert response.status_code == 302
    webinar.refresh_from_db()
    assert webinar.recording_captions == ""
