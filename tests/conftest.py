import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# The related videos of seeds/000_0c50d9fd883dd018.txt, in the page's order.
SEED_000_VIDEO_TITLES = [
    "Alliance of Sahel States puts on show of unity through inaugural games",
    "Sahel region hardest-hit by terrorism worldwide, says Global Terrorism Index 2025",
    "Wagner Group faces war crime accusations over posting atrocities on social media",
    "ECOWAS leaders meet in Abuja amid regional tensions and leadership transition",
    "Niger to nationalize uranium venture operated by France's Orano",
    "Half a century later, Is ECOWAS falling apart? [Africanews Debates]",
]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in one
# unless told. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    # CI installs Chromium, Redis and Java and sets NEWSROOM_REQUIRE_SERVICES=1: there a missing one
    # fails instead of skipping.
    if os.environ.get("NEWSROOM_REQUIRE_SERVICES") == "1":
        return
    missing = {
        "browser": None if shutil.which(CHROMIUM) else
        f"no Chromium at {CHROMIUM} (apt-get install chromium)",
        "redis": None if shutil.which("redis-server") else
        "no redis-server (apt-get install redis-server)",
        "java": None if shutil.which("java") else
        "no Java runtime for the Nu HTML Checker (apt-get install default-jre-headless)",
    }
    for marker, reason in missing.items():
        if reason:
            for item in items:
                if marker in item.keywords:
                    item.add_marker(pytest.mark.skip(reason=reason))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A throwaway Redis server on loopback for this test session."""
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A migrated SQLite database file (the suite's own database is in memory or PostgreSQL),
    for tests that need a second process or connection on it: copy it, do not write to it."""
    path = tmp_path_factory.mktemp("sqlite") / "migrated.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}",
           "DJANGO_SETTINGS_MODULE": "newsroom.settings.test"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=Path(__file__).resolve().parent.parent, env=env, check=True, timeout=120)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium: Playwright's own browser downloads are not available everywhere.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def seeds_dir():
    return SEEDS


@pytest.fixture
def artifacts_dir():
    """Where browser tests leave screenshots for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
