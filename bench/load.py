"""Bounded load on the site under gunicorn, on loopback.

    python bench/load.py [--articles 2000] [--duration 10] [--connections 8] [--workers 2]
                         [--cache both|on|off] [--database-url URL] [--cache-url URL]

Builds a throwaway database (SQLite unless --database-url), imports a generated archive through
the real importer, starts gunicorn with the production settings, and drives the front page, an
article page, the filtered list and a feed with wrk (Debian's `wrk`). Prints requests/s, p50 and
p99 latency and errors (non-2xx/3xx responses and socket errors) per page, uncached and cached.
Only 127.0.0.1 is ever contacted; every run is bounded by --duration.
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import Archive  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def prepare(args, folder):
    """A database holding the generated archive; returns the environment to serve it with."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("CACHE_URL", None)
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
    Archive(args.articles, seed=2025).write(folder / "archive")
    started = time.perf_counter()
    manage(env, "migrate", "--noinput")
    manage(env, "import_articles", str(folder / "archive"))
    print(f"imported {args.articles} articles in {time.perf_counter() - started:.1f} s")
    manage(env, "collectstatic", "--noinput")
    return env


def wait_until_serving(server, path, seconds, name):
    """Return once `server` answers `path`; stop it and exit if it has not within `seconds`
    or its process ended."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(server.url + path, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline or server.process.poll() is not None:
                server.stop()
                raise SystemExit(f"{name} did not start") from None
            time.sleep(0.2)


class Server:
    def __init__(self, env, workers):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "-w", str(workers), "-b",
             f"127.0.0.1:{self.port}", "--log-level", "error"],
            cwd=ROOT, env=env, start_new_session=True,
        )
        wait_until_serving(self, "/healthz", 30, "gunicorn")

    def get(self, path):
        return urllib.request.urlopen(self.url + path, timeout=10).read().decode()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)


def wrk(url, duration, connections):
    """requests/s, p50 ms, p99 ms, errors."""
    subprocess.run(["wrk", "-t2", f"-c{connections}", "-d2s", url], capture_output=True,
                   check=False)  # warm-up
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "--latency",
         url], capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return rps, p50, p99, errors


def _ms(value):
    number = float(re.match(r"[\d.]+", value).group())
    unit = value[len(re.match(r"[\d.]+", value).group()):]
    return number * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def targets(server):
    sitemap = server.get("/sitemap-articles.xml")
    articles = re.findall(r"<loc>http://[^/]+(/articles/[^<]+)</loc>", sitemap)
    return {
        "front page": "/",
        "article page": articles[len(articles) // 2],
        "filtered list": "/articles/?q=ministers&has_video=on",
        "feed": "/feeds/rss/",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", choices=["both", "on", "off"], default="both")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--cache-url", help="default: the settings' default (the database)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/load.py needs wrk: apt-get install wrk")

    with tempfile.TemporaryDirectory(prefix="newsroom-load-") as tmp:
        env = prepare(args, Path(tmp))
        modes = {"both": ["off", "on"], "on": ["on"], "off": ["off"]}[args.cache]
        print(f"gunicorn -w {args.workers}, wrk -c{args.connections} -d{args.duration}s, "
              f"{args.articles} articles, {os.cpu_count()} cores")
        print(f"{'page':<16} {'cache':<6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        failed = False
        for mode in modes:
            seconds = "0" if mode == "off" else "300"
            server = Server({**env, "PAGE_CACHE_SECONDS": seconds}, args.workers)
            try:
                for name, path in targets(server).items():
                    rps, p50, p99, errors = wrk(server.url + path, args.duration,
                                                args.connections)
                    failed |= errors > 0
                    print(f"{name:<16} {mode:<6} {rps:>9.1f} {p50:>8.2f} {p99:>8.2f} "
                          f"{errors:>7}")
            finally:
                server.stop()
        if failed:
            raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
