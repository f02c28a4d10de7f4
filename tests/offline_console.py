"""Open every page of a rendered book in headless Chromium with the network off and report
what the browser console says (errors, failed loads).

    python tests/offline_console.py _book          # exit 1 when any page logs an error

The book is served from its folder on localhost, as a reader's browser would get it from a
web server or `python -m http.server` (Quarto's pages load ES modules, which browsers refuse
from file://). Everything else is cut by a proxy that refuses every connection, so a page
that links a script or style sheet from a CDN logs the failed load and whatever breaks
without it (for example "define is not defined"). Needs Chromium (Debian: apt-get install chromium); tests/
test_offline.py runs it where Chromium is installed and is skipped elsewhere.
"""
from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
_CONSOLE = re.compile(r":CONSOLE(?:\(\d+\))?[:\]]\d*\]? ?(.*)")


def chromium() -> str | None:
    """The Chromium executable on PATH, or None."""
    return next((shutil.which(name) for name in CHROMIUM_NAMES if shutil.which(name)), None)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@contextmanager
def served(folder: Path):
    """`folder` served on a free localhost port for the duration; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def console_messages(url: str, browser: str) -> list[str]:
    """What the console logs while `url` loads offline (Chromium's --enable-logging lines)."""
    with tempfile.TemporaryDirectory(prefix="offline-chromium-") as profile:
        proc = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}",
             "--proxy-server=127.0.0.1:9",  # everything but localhost: refused
             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
    return [m.group(1) for line in proc.stderr.splitlines() if (m := _CONSOLE.search(line))]


def check_book(book: Path) -> dict[str, list[str]]:
    """{page: console messages} for every HTML page of the book that logs anything."""
    browser = chromium()
    if browser is None:
        raise SystemExit("Fant ikke Chromium på PATH (apt-get install chromium)")
    found = {}
    with served(book) as base:
        for page in sorted(book.rglob("*.html")):
            name = page.relative_to(book).as_posix()
            messages = console_messages(base + name, browser)
            if messages:
                found[name] = messages
    return found


def main(argv: list[str]) -> int:
    book = Path(argv[0] if argv else "_book")
    pages = sorted(book.rglob("*.html"))
    found = check_book(book)
    for page, messages in found.items():
        for message in messages:
            print(f"{page}: {message}")
    print(f"{len(pages)} sider åpnet uten nett i Chromium: "
          f"{sum(map(len, found.values()))} konsollmeldinger")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
