import pytest
import requests

from snipeit_emulator import Emulator, Dataset, DEFAULT_TOKEN

JSON = {"Accept": "application/json"}


class Client:
    def __init__(self, emu, token=DEFAULT_TOKEN):
        self.emu = emu
        self.token = token
        self.s = requests.Session()

    def get(self, path, params=None, headers=None, token="__default__", **kw):
        h = dict(JSON)
        tok = self.token if token == "__default__" else token
        if tok is not None:
            h["Authorization"] = "Bearer " + tok
        if headers:
            h.update(headers)
        return self.s.get(self.emu.url + path, params=params, headers=h, allow_redirects=False, **kw)

    def rows(self, res, **params):
        r = self.get("/api/v1/" + res, params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def all_rows(self, res, **params):
        out, off = [], 0
        while True:
            d = self.rows(res, offset=off, limit=500, **params)
            if not d["rows"]:
                return out, d["total"]
            out.extend(d["rows"])
            off += len(d["rows"])

    def control(self, method, sub, json=None):
        r = self.s.request(method, self.emu.url + "/__emulator__/" + sub, json=json)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="session")
def dataset():
    return Dataset.generate(seed=1)


@pytest.fixture(scope="session")
def emu(dataset):
    """Shared read-only emulator (do not mutate / reconfigure it)."""
    e = Emulator(dataset, rate_limit=10 ** 9)
    e.start()
    yield e
    e.stop()


@pytest.fixture
def client(emu):
    return Client(emu)


@pytest.fixture
def make_emu():
    """Factory for private emulators (fresh dataset) that tests may mutate."""
    started = []

    def make(**kw):
        ds = kw.pop("dataset", None) or Dataset.generate(seed=kw.pop("seed", 1), **kw.pop("sizes", {}))
        kw.setdefault("rate_limit", 10 ** 9)
        e = Emulator(ds, **kw).start()
        started.append(e)
        return e, Client(e)
    yield make
    for e in started:
        e.stop()
