"""HTTP client of bench/features: walks paged answers over one kept-alive connection, or counts
the features of single pages. Standard library only.

    features-walk.py ogc URL [--authorization VALUE] [--max-pages N]
        Follows an OGC API - Features `next` link (in `links`) from URL until there is none.
    features-walk.py changes URL [--authorization VALUE] [--max-pages N]
        Follows Canvass's change feed (`next` while `more` is true).
    features-walk.py count URL... [--authorization VALUE]
        Fetches each page once.

`ogc` and `changes` print one line per page, tab-separated: the URL asked for, its features (or
changes), its body's bytes, the seconds from sending the request to the last byte of the body
(the client's JSON decoding not included), and the `next` URL ('' when there is none). `count`
prints per URL: features, Content-Type, and the sorted property names of the first feature.
Any answer other than 200 stops the walk with the status and the start of the body.
"""

import argparse
import http.client
import json
import sys
import time
import urllib.parse


class Client:
    """One kept-alive HTTP/1.1 connection to the host of the first URL."""

    def __init__(self, url, authorization):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http":
            sys.exit(f"features-walk: only http:// URLs, not {url}")
        self.netloc = parts.netloc
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=600)
        self.headers = {"Accept-Encoding": "identity"}
        if authorization:
            self.headers["Authorization"] = authorization

    def get(self, url):
        """(body, Content-Type, seconds) of a GET; exits on anything but 200."""
        parts = urllib.parse.urlsplit(url)
        if parts.netloc != self.netloc:
            sys.exit(f"features-walk: {url} leaves {self.netloc}")
        target = parts.path + ("?" + parts.query if parts.query else "")
        started = time.perf_counter()
        self.connection.request("GET", target, headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        seconds = time.perf_counter() - started
        if response.status != 200:
            sys.exit(f"features-walk: {url}: HTTP {response.status}: {body[:300]!r}")
        return body, response.getheader("Content-Type", ""), seconds


def ogc_next(document):
    """The href of the `next` link of an OGC API - Features page, if any."""
    for link in document.get("links", []):
        if link.get("rel") == "next":
            return link.get("href")
    return None


def walk(client, url, mode, max_pages):
    for _ in range(max_pages):
        body, _, seconds = client.get(url)
        document = json.loads(body)
        if mode == "ogc":
            items = len(document["features"])
            following = ogc_next(document)
        else:
            items = len(document["changes"])
            following = document.get("next")
        following = urllib.parse.urljoin(url, following) if following else ""
        print(f"{url}\t{items}\t{len(body)}\t{seconds:.6f}\t{following}", flush=True)
        if not following or (mode == "changes" and not document.get("more")):
            return
        url = following
    sys.exit(f"features-walk: still more pages after {max_pages}")


def count(client, urls):
    for url in urls:
        body, content_type, _ = client.get(url)
        features = json.loads(body)["features"]
        names = ",".join(sorted(features[0]["properties"])) if features else "-"
        print(f"{len(features)}\t{content_type}\t{names}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["ogc", "changes", "count"])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--authorization", default="")
    parser.add_argument("--max-pages", type=int, default=10_000)
    args = parser.parse_args()
    client = Client(args.urls[0], args.authorization)
    if args.mode == "count":
        count(client, args.urls)
    elif len(args.urls) != 1:
        sys.exit(f"features-walk: {args.mode} takes one URL")
    else:
        walk(client, args.urls[0], args.mode, args.max_pages)


if __name__ == "__main__":
    main()
