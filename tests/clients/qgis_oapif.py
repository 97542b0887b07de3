"""Headless PyQGIS 3.22 reads an OGC API - Features collection as an analyst's QGIS would.

In one QGIS process, with a fresh profile and a fresh authentication database:
1. a Basic authentication configuration holds the user name and API key (QGIS 3.22 has no
   API-header method, so the key travels as the Basic password);
2. the OAPIF layer with that configuration is loaded and its features are counted by
   iterating them, with their positions, in pages of --page-size by the `next` links (every
   URL QGIS asked for is recorded);
3. the same layer without the configuration is loaded and counted: it must get nothing, and
   not from the HTTP disk cache the first layer filled either.

Writes what it saw as JSON to --result; the test (tests/ogc_clients.rs) judges it. Run by the
venv of scripts/python-env (Debian's python3, whose qgis module this needs).
"""

import argparse
import json
import os
import sys
import tempfile
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the landing page, http://HOST:PORT/ogc")
    parser.add_argument("--collection", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True, help="the API key")
    parser.add_argument("--page-size", type=int, required=True, help="features per request")
    parser.add_argument("--result", required=True, help="file for the JSON result")
    return parser.parse_args()


def start_qgis(workdir):
    """A headless QgsApplication with its profile and authentication database in workdir."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    auth_dir = os.path.join(workdir, "auth")
    os.makedirs(auth_dir)
    # Read by the authentication manager when QGIS starts: a fresh qgis-auth.db, never the
    # user's own.
    os.environ["QGIS_AUTH_DB_DIR_PATH"] = auth_dir
    # start_app makes the profile folder with tempfile, so it lands in workdir too.
    tempfile.tempdir = workdir
    from qgis.testing import start_app

    return start_app()


def basic_auth_config(user, password):
    """The id of a new Basic configuration in the temporary authentication database."""
    from qgis.core import QgsApplication, QgsAuthMethodConfig

    manager = QgsApplication.authManager()
    if manager.isDisabled():
        raise RuntimeError(f"QGIS authentication disabled: {manager.disabledMessage()}")
    if not manager.setMasterPassword("canvass-test-master", True):
        raise RuntimeError("could not set the master password of the temporary auth database")
    config = QgsAuthMethodConfig("Basic")
    config.setName("canvass")
    config.setConfig("username", user)
    config.setConfig("password", password)
    stored = manager.storeAuthenticationConfig(config)
    # 3.22 answers a bool; later versions a (bool, config) pair.
    ok = stored[0] if isinstance(stored, tuple) else stored
    if not ok or not config.id():
        raise RuntimeError("could not store the Basic authentication configuration")
    return config.id()


def record_requests():
    """The URLs of every request QGIS makes from now on, from any thread."""
    from qgis.core import QgsNetworkAccessManager, QgsNetworkRequestParameters

    urls = []

    def created(request):
        urls.append(request.request().url().toString())

    # The signal is overloaded (the other form is deprecated and not emitted for every thread).
    signal = QgsNetworkAccessManager.instance().requestAboutToBeCreated
    signal[QgsNetworkRequestParameters].connect(created)
    return urls


def read_layer(url, collection, page_size, authcfg):
    """Loads the OAPIF layer and counts its features by iterating them."""
    from qgis.core import QgsVectorLayer

    uri = f"url='{url}' typename='{collection}' pageSize='{page_size}'"
    if authcfg:
        uri += f" authcfg='{authcfg}'"
    started = time.monotonic()
    layer = QgsVectorLayer(uri, collection, "OAPIF")
    seen = {
        "uri": uri,
        "valid": layer.isValid(),
        "feature_count": layer.featureCount(),
        "iterated": 0,
        "fields": [field.name() for field in layer.fields()],
        "positions": [],
        "error": "",
    }
    provider = layer.dataProvider()
    if provider is not None and provider.error().message():
        seen["error"] = provider.error().message()
    if layer.isValid():
        # QGIS keeps the GeoJSON ids to itself (its feature ids are its own): the test
        # matches the positions instead.
        for feature in layer.getFeatures():
            seen["iterated"] += 1
            point = feature.geometry().asPoint()
            seen["positions"].append([point.x(), point.y()])
        # After iterating, the provider knows the count for sure.
        seen["feature_count_after"] = layer.featureCount()
    seen["seconds"] = round(time.monotonic() - started, 2)
    return seen


def main():
    args = parse_args()
    workdir = tempfile.mkdtemp(prefix="canvass-qgis-")
    app = start_qgis(workdir)
    from qgis.core import Qgis

    result = {"qgis_version": Qgis.QGIS_VERSION}
    authcfg = basic_auth_config(args.user, args.password)
    requests = record_requests()
    result["with_auth"] = read_layer(args.url, args.collection, args.page_size, authcfg)
    # The downloader threads' signals reach this thread as events.
    app.processEvents()
    result["with_auth"]["requests"] = requests[:]
    requests.clear()
    # Same process, same network cache: what the first layer fetched must not leak.
    result["without_auth"] = read_layer(args.url, args.collection, args.page_size, None)
    app.processEvents()
    result["without_auth"]["requests"] = requests[:]
    with open(args.result, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=1)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
