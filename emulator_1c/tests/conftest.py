"""Fixtures: the emulator runs in-process on a free port; each test starts from the seed state."""

from __future__ import annotations

import pytest
import requests

from emulator_1c.server import Config, EmulatorServer

SMALL_PRODUCTS = 200


class Client:
    """A thin helper around requests for the emulator's URL layout."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.url = server.url
        self.base = f"{server.url}/medcrm"
        self.odata_root = f"{self.base}/odata/standard.odata"
        self.http = requests.Session()
        self.http.auth = ("odata", "odata")

    def odata(self, resource: str, **params) -> requests.Response:
        params.setdefault("$format", "json")
        return self.http.get(f"{self.odata_root}/{resource}", params=params, timeout=30)

    def values(self, resource: str, **params) -> list[dict]:
        resp = self.odata(resource, **params)
        assert resp.status_code == 200, resp.text
        return resp.json()["value"]

    def admin(self, path: str, method: str = "POST", **body) -> dict:
        resp = self.http.request(method, f"{self.url}/_emulator/{path}", json=body if method != "GET" else None,
                                 timeout=30)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def products(self, **params) -> list[dict]:
        params.setdefault("$filter", "IsFolder eq false")
        return self.values("Catalog_Номенклатура", **params)


@pytest.fixture(scope="session")
def server():
    srv = EmulatorServer(Config(port=0, products=SMALL_PRODUCTS, seed=42)).start()
    yield srv
    srv.stop()


@pytest.fixture
def emu(server) -> Client:
    client = Client(server)
    client.admin("faults", method="DELETE")
    client.admin("reset", products=SMALL_PRODUCTS, seed=42)
    yield client
    client.admin("faults", method="DELETE")


@pytest.fixture(scope="session")
def big_server():
    srv = EmulatorServer(Config(port=0, products=100_000, seed=7)).start()
    yield srv
    srv.stop()
