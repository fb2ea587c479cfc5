"""Page speed at archive scale, side by side with a static ceiling and a Wagtail peer.

    python bench/pages.py [--articles 10000] [--duration 10] [--connections 8] [--rounds 3]
                          [--peer-articles 1000] [--no-peer]

Builds a database of --articles generated articles (bench/corpus.py, through the real importer)
and serves it with gunicorn (2 workers, production settings) on 127.0.0.1. For the article page,
the front page, the filtered list and a feed it prints requests/s and p50/p99 latency with wrk,
with no cache at all, with only the fragments cached (an article's story, a list page's cards;
the page cache off), and with the page cache on, and their ratio to the ceiling: the article
page's own HTML bytes served as a static file through whitenoise in the same server, in the
same run (for the cached pages, whose goal is a ratio to it, alternately with each).

The peer is the minimal Wagtail site in ../shared/peers (copied to a temporary folder, never
written in place), loaded with --peer-articles pages (Wagtail creates pages one by one, which
takes minutes) and served the same way. Its article page and ours (with no cache, as the peer,
and with the fragment) are measured alternately for --rounds rounds; the ratios of the medians
are reported. Only 127.0.0.1 is contacted; every load is bounded by --duration.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from load import Server, free_port, prepare, targets, wait_until_serving, wrk  # noqa: E402

PEER = ROOT.parent / "shared" / "peers" / "wagtail_site"
PEER_VENV = Path(os.environ.get("PEER_VENV", "/tmp/peer-venv"))
CEILING = "bench-ceiling.html"


class PeerServer:
    """The Wagtail peer, from a copy of its folder, with its own venv and database."""

    def __init__(self, folder, articles, workers):
        self.folder = folder / "wagtail_site"
        shutil.copytree(PEER, self.folder)
        python = PEER_VENV / "bin" / "python"
        if not (PEER_VENV / "bin" / "gunicorn").exists():
            subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "-r",
                            str(self.folder / "requirements.txt")], check=True)
        env = {**os.environ, "PEER_DB": str(folder / "peer.sqlite3")}
        (self.folder / "peer_static").mkdir(exist_ok=True)
        started = time.perf_counter()
        for args in (["migrate", "-v0"], ["load_peer_data", str(articles)],
                     ["collectstatic", "--noinput", "-v0"]):
            subprocess.run([str(python), "manage.py", *args], cwd=self.folder, env=env,
                           check=True, stdout=subprocess.DEVNULL)
        print(f"wagtail peer: loaded {articles} pages in {time.perf_counter() - started:.0f} s")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(PEER_VENV / "bin" / "gunicorn"), "-w", str(workers), "-b",
             f"127.0.0.1:{self.port}", "peersite.wsgi"],
            cwd=self.folder, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_serving(self, "/", 60, "the Wagtail peer")
        self.article = f"/article-{articles // 2}/"

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)


def edit_shows(server, env, path):
    """Whether a headline saved by another process (manage.py shell) is on the next response
    of a page the server has cached."""
    server.get(path)
    server.get(path)  # a hit now
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    headline = f"Edited elsewhere {time.time()}"
    subprocess.run([sys.executable, "manage.py", "shell", "-c",
                    "from articles.models import Article; "
                    f"a = Article.objects.get(slug={slug!r}); a.headline = {headline!r}; a.save()"],
                   cwd=ROOT, env=env, check=True)
    return headline in server.get(path)


def row(name, mode, figures, ceiling=None):
    rps, p50, p99, errors = figures
    ratio = f"{rps / ceiling:>8.2f}" if ceiling else f"{'':>8}"
    print(f"{name:<16} {mode:<10} {rps:>9.1f} {p50:>8.2f} {p99:>8.2f} {errors:>7} {ratio}",
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)  # odd: the median is a run
    parser.add_argument("--peer-articles", type=int, default=1000)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--database-url")
    parser.add_argument("--cache-url", help="default: the settings' default (the database)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/pages.py needs wrk: apt-get install wrk")

    static_root = ROOT / "staticfiles"
    servers = []
    with tempfile.TemporaryDirectory(prefix="newsroom-pages-") as tmp:
        try:
            env = prepare(args, Path(tmp))
            # The ceiling: the article page's bytes, served by whitenoise from the same server.
            probe = Server({**env, "CACHE_URL": "dummy://"}, 1)
            pages = targets(probe)
            (static_root / CEILING).write_bytes(probe.get(pages["article page"]).encode())
            probe.stop()

            # Three ways to serve: every cache off (CACHE_URL=dummy://); the page cache off but
            # the fragments cached (what staff, and a request the page cache does not answer,
            # get); and the default settings (pages and fragments cached, in the database cache
            # unless --cache-url says otherwise).
            modes = {"no cache": {"CACHE_URL": "dummy://"},
                     "fragment": {"PAGE_CACHE_SECONDS": "0"},
                     "cached": {}}
            bare = Server({**env, **modes["no cache"]}, args.workers)
            fragment = Server({**env, **modes["fragment"]}, args.workers)
            servers += [bare, fragment]
            peer = None
            if not args.no_peer:
                peer = PeerServer(Path(tmp), args.peer_articles, args.workers)
                servers.append(peer)

            print(f"gunicorn -w {args.workers}, wrk -c{args.connections} -d{args.duration}s, "
                  f"{args.articles} articles, {os.cpu_count()} cores")
            print(f"{'page':<16} {'mode':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
                  f"{'errors':>7} {'/ceiling':>8}")
            rounds = {"no cache": [], "fragment": [], "peer": []}
            if peer:
                for _ in range(args.rounds):
                    for mode, server, path in (("no cache", bare, pages["article page"]),
                                               ("fragment", fragment, pages["article page"]),
                                               ("peer", peer, peer.article)):
                        rounds[mode].append(wrk(server.url + path, args.duration,
                                                args.connections))
                        row("wagtail article" if mode == "peer" else "article page", mode,
                            rounds[mode][-1])
                peer.stop()

            ceiling = wrk(bare.url + f"/static/{CEILING}", args.duration, args.connections)
            row("static ceiling", "whitenoise", ceiling)
            for mode, server in (("no cache", bare), ("fragment", fragment)):
                for name, path in pages.items():
                    row(name, mode, wrk(server.url + path, args.duration, args.connections),
                        ceiling[0])
                server.stop()
            cached = Server({**env, **modes["cached"]}, args.workers)
            servers.append(cached)
            # The goals are ratios to the ceiling: each cached page alternates with the
            # ceiling, from the same server, for --rounds rounds, and the ratio of the medians
            # is reported, so a machine slowing down between rows moves both of its figures.
            ratios = {}
            for name, path in pages.items():
                ceilings, hits = [], []
                for _ in range(args.rounds):
                    ceilings.append(wrk(cached.url + f"/static/{CEILING}", args.duration,
                                        args.connections)[0])
                    hits.append(wrk(cached.url + path, args.duration, args.connections))
                    row(name, "cached", hits[-1], ceilings[-1])
                ratios[name] = (statistics.median(h[0] for h in hits),
                                statistics.median(ceilings))
            print(f"an edit saved in another process shows on the next request: "
                  f"{'yes' if edit_shows(cached, env, pages['article page']) else 'NO'}")
            cached.stop()

            for name, (ours, ceiling) in ratios.items():
                print(f"{name} (cached) vs the static ceiling: {ours:.1f} / {ceiling:.1f} "
                      f"req/s = {ours / ceiling:.2f} (medians of {args.rounds} alternating "
                      "rounds)")
            if peer:
                theirs = statistics.median(r[0] for r in rounds["peer"])
                for mode in ("no cache", "fragment"):
                    ours = statistics.median(r[0] for r in rounds[mode])
                    print(f"article page ({mode}) vs the Wagtail peer: {ours:.1f} / "
                          f"{theirs:.1f} req/s = {ours / theirs:.1f}x (medians of "
                          f"{args.rounds} alternating rounds)")
        finally:
            for server in servers:
                server.stop()
            (static_root / CEILING).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
