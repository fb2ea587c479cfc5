"""A feed server on 127.0.0.1 for the poller's tests (no other network exists here): each test
says what a path answers, and reads what the poller asked."""

import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

RSS_TYPE = "application/rss+xml; charset=utf-8"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between two chunks of the body (a server that trickles)
    chunk: int = 64 * 1024
    length: bool = True  # send Content-Length (else the body ends when the connection does)


class FeedServer:
    """`serve(path, reply)`: a Reply, or a function of the request's headers returning one.
    `requests`: (path, headers) of every request, in order."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A client that gave up (the timeout tests) leaves a broken pipe here: not an error.
        self._server.handle_error = lambda request, address: None
        # A short poll: shutdown() waits for one, once a test.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def url(self, path):
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def serve(self, path, reply):
        self.routes[path] = reply
        return self.url(path)

    def hits(self, path):
        return [headers for asked, headers in self.requests if asked == path]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                reply = server.routes.get(self.path, Reply(404, b"no such feed"))
                if callable(reply):
                    reply = reply(self.headers)
                time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.length:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                for start in range(0, len(reply.body), reply.chunk):
                    self.wfile.write(reply.body[start:start + reply.chunk])
                    self.wfile.flush()
                    time.sleep(reply.drip)

            def log_message(self, format, *args):
                pass

        return Handler


@dataclass(frozen=True)
class Item:
    url: str
    title: str
    text: str
    published: object  # an aware datetime


def rss(items, *, title="Sahel Wire", language="en"):
    """An RSS 2.0 feed of `items`, as a wire service writes one (bytes)."""
    def paragraphs(item):
        return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in item.text.splitlines())

    entries = "".join(f"""
    <item>
      <title>{escape(item.title)}</title>
      <link>{escape(item.url)}</link>
      <guid isPermaLink="true">{escape(item.url)}</guid>
      <pubDate>{format_datetime(item.published)}</pubDate>
      <category>Sahel</category>
      <description>{escape(item.text.split(chr(10))[0])}</description>
      <content:encoded><![CDATA[{paragraphs(item)}]]></content:encoded>
    </item>""" for item in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>{escape(title)}</title>
    <link>https://wire.example.com/</link>
    <description>The latest from {escape(title)}</description>
    <language>{language}</language>{entries}
  </channel>
</rss>
""".encode()
