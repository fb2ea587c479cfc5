"""Request bodies: one announcing more than its view takes is refused, 413, before it is read."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from articles.ingest.uploads import MAX_UPLOAD_BYTES
from newsroom.middleware import MULTIPART_ALLOWANCE
from tests.admin_helpers import IMPORT, make_user, seed_files
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/admin/login/"
HUGE = 2_000_000_000
MULTIPART = "multipart/form-data; boundary=BoUnDaRy"


class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def post_announcing(client, path, length, content_type=MULTIPART):
    client.cookies["csrftoken"] = "x" * 32
    return client.generic("POST", path, content_type=content_type, CONTENT_LENGTH=str(length),
                          **{"wsgi.input": Unreadable()})


@pytest.fixture
def editor_client(db):
    client = Client()
    client.force_login(make_user("editor", "Editor", is_staff=True))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", [MULTIPART, "application/x-www-form-urlencoded"])
def test_a_huge_body_to_the_login_page_is_refused_unread(client, content_type):
    response = post_announcing(client, LOGIN, HUGE, content_type)
    assert response.status_code == 413
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "<h1>Request too large</h1>" in page
    assert "This request is 2,000,000,000 bytes; the limit is 2,621,440 bytes." in page


def test_a_body_over_the_upload_limit_to_the_import_page_is_refused_unread(editor_client):
    response = post_announcing(editor_client, IMPORT, MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE + 1)
    assert response.status_code == 413
    assert "uploads are limited to 20 MB" in response.content.decode()


def test_the_import_page_takes_more_than_other_pages(editor_client, seeds_dir):
    # 3 MB: over every other page's limit, within the upload limit; the importer refuses it.
    big = SimpleUploadedFile("big.txt", b"Kicker\n" + b"word " * 600_000)
    response = editor_client.post(IMPORT, {"files": [*seed_files(seeds_dir), big]})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.counts()["created"] == 2
    assert "the limit is 2,097,152" in report.failures[0].reason


@pytest.mark.django_db
@pytest.mark.parametrize("length", ["-1", "abc", "12 ", "1_000", "+5"])
def test_a_content_length_that_is_not_a_number_is_a_bad_request(client, length):
    response = post_announcing(client, LOGIN, length)
    assert response.status_code == 400
    assert "Content-Length" in response.content.decode()


@pytest.mark.django_db
def test_a_body_within_the_limit_is_read_as_usual(client):
    response = client.post(LOGIN, {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()


@pytest.mark.slow
def test_gunicorn_answers_413_before_the_body_is_sent(tmp_path):
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}", "DEBUG": "off"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "newsroom.wsgi", "--bind",
         f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no gunicorn"
                time.sleep(0.1)
        for path in (LOGIN, IMPORT):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              f"Content-Type: {MULTIPART}\r\nContent-Length: {HUGE}\r\n"
                              f"Cookie: csrftoken={'x' * 32}\r\n\r\n").encode())
                answer = b""  # not one byte of the body is sent
                while chunk := sock.recv(65536):
                    answer += chunk
            assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
            assert b"Request too large" in answer
    finally:
        server.terminate()
        server.wait(timeout=10)
