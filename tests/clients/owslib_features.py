"""OWSLib's OGC API - Features client reads a collection as a Python analyst would.

With HTTP Basic authentication (the API key as the password): lists the collections, reads
the collection's queryables, and pages through its items with `limit`, following each page's
`next` link (its query string, asked again through OWSLib) until there is none. Also tries the
collections without credentials.

Writes what it saw as JSON to --result; the test (tests/ogc_clients.rs) judges it.
"""

import argparse
import json
import sys
import time
from urllib.parse import parse_qsl, urlsplit

import requests
from owslib.ogcapi.features import Features
from owslib.util import Authentication

# A collection of a million cameras in pages of 10 is 100,000 pages: no test goes further.
MAX_PAGES = 100_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the landing page, http://HOST:PORT/ogc")
    parser.add_argument("--collection", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True, help="the API key")
    parser.add_argument("--limit", type=int, required=True, help="features per page")
    parser.add_argument("--result", required=True, help="file for the JSON result")
    return parser.parse_args()


def next_link(page):
    links = [link for link in page.get("links", []) if link.get("rel") == "next"]
    if len(links) > 1:
        # Several next links are fine when they differ only in format: take the GeoJSON one.
        links = [link for link in links if "geo+json" in link.get("type", "")] or links
    return links[0]["href"] if links else None


def page_through(client, collection, limit):
    """Every page of the collection, from the first by the `next` links."""
    pages = []
    page = client.collection_items(collection, limit=limit)
    seen_links = set()
    items_path = urlsplit(client.request).path
    while True:
        features = page.get("features", [])
        pages.append(
            {
                "request": client.request,
                "returned": len(features),
                "numberReturned": page.get("numberReturned"),
                "numberMatched": page.get("numberMatched"),
                "ids": [str(feature.get("id")) for feature in features],
            }
        )
        href = next_link(page)
        if href is None:
            return pages
        if href in seen_links:
            raise RuntimeError(f"next link {href} came back: the paging loops")
        if len(pages) >= MAX_PAGES:
            raise RuntimeError(f"more than {MAX_PAGES} pages")
        seen_links.add(href)
        parts = urlsplit(href)
        if parts.path != items_path:
            raise RuntimeError(f"next link {href} leaves {items_path}")
        # Through OWSLib again, so every page carries its authentication.
        page = client.collection_items(collection, **dict(parse_qsl(parts.query)))


def open_client(url, user, password):
    """OWSLib's client, which reads the landing page at once, at `url` plus a trailing slash."""
    try:
        return Features(url, auth=Authentication(user, password))
    except ValueError as error:
        # The landing page was not JSON: say what OWSLib was answered.
        landing = url.rstrip("/") + "/"
        answer = requests.get(landing, auth=(user, password), timeout=30)
        raise RuntimeError(
            f"OWSLib could not read the landing page: GET {landing} answered "
            f"{answer.status_code} {answer.headers.get('content-type')}: {answer.text[:300]!r}"
        ) from error


def main():
    args = parse_args()
    started = time.monotonic()
    client = open_client(args.url, args.user, args.password)
    result = {
        "landing_links": [link.get("rel") for link in client.links],
        "conformance": client.conformance().get("conformsTo", []),
        "collections": [c["id"] for c in client.collections()["collections"]],
        "feature_collections": client.feature_collections(),
        "queryables": sorted(client.collection_queryables(args.collection).get("properties", {})),
        "collection": client.collection(args.collection).get("id"),
    }
    result["pages"] = page_through(client, args.collection, args.limit)

    try:
        # The landing page is read when the client is made; a refusal may not be JSON.
        Features(args.url).collections()
        result["without_auth"] = "answered"
    except (RuntimeError, ValueError) as refused:
        result["without_auth"] = f"refused: {str(refused)[:300]}"
    result["seconds"] = round(time.monotonic() - started, 2)
    with open(args.result, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
