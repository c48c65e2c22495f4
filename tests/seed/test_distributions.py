"""50,000 seeded reports follow their scenario's stated distributions, and every report geolocates (through the
default address registry, checked on every fifth report) to the place its answer key names.

Tolerances: an incident-type or province share lies within 4 standard errors (sqrt(p(1-p)/n)) plus 0.002 of its
target; the mean number of files per report within 0.2 of the scenario's expectation, the shares of reports with
no file and with one file within 0.01."""

from __future__ import annotations

import math
from collections import Counter
from types import SimpleNamespace

from app import geo
from app.addresses.defaults import default_blocks
from app.addresses.service import Registry
from seed.distributions import SHORT_NAMES
from tests.seed.helpers import generate, plan

N = 50_000


def _close(observed: float, target: float, n: int) -> bool:
    return abs(observed - target) <= 4 * math.sqrt(target * (1 - target) / n) + 0.002


def _registry() -> Registry:
    return Registry(
        SimpleNamespace(
            id=None,
            network=b.network.cidr,
            first=b.network.first,
            prefix_length=b.network.prefix_length,
            country=b.country,
            province=b.province,
            regency_code=b.regency_code,
            city=b.city,
            district=b.district,
            isp=b.isp,
        )
        for b in default_blocks()
    )


def test_50000_reports_follow_the_scenario() -> None:
    d = plan("demo").d
    registry = _registry()
    types: Counter[str] = Counter()
    files: Counter[int] = Counter()
    provinces: Counter[str] = Counter()
    located = 0
    for r in generate("demo", N, seed=3):
        types[r.body["incidentSummary"]["incidentType"]] += 1
        files[len(r.files)] += 1
        t = r.truth
        if t.regency_code is not None:
            assert geo.regency(t.regency_code).province == t.province  # every city lies in its province
        if t.province is not None:
            provinces[t.province] += 1
            located += 1
        if r.index % 5:
            continue  # the registry check below on every fifth report
        ips = [c.ip for c in r.captures if c.path[0] == "personOrUserReported"]
        places = {(g.country, g.province, g.regency_code, g.district) for g in registry.geolocate(ips).values()}
        if t.location in ("regency", "district", "mobile", "abroad"):
            assert places == {(t.country, t.province, t.regency_code, t.district)}, r.number
        else:
            assert places <= {(None, None, None, None)}, r.number
        for e in r.estimates:
            province = geo.find_province(e.region or "")
            assert province is not None and province.iso == t.province
            assert geo.find_regency(e.city or "", province) == geo.regency(t.regency_code or "")
    total = sum(types.values())
    assert total == N
    for name, share in d.type_weights().items():
        assert _close(types[name] / N, share, N), (SHORT_NAMES[name], types[name] / N, share)
    mean = sum(k * c for k, c in files.items()) / N
    assert abs(mean - d.expected_files()) <= 0.2, (mean, d.expected_files())
    zero = d.informational_share + (1 - d.informational_share) * sum(
        s * d.files_zero_share[SHORT_NAMES[t]] for t, s in d.type_weights().items()
    )
    assert abs(files[0] / N - zero) <= 0.01
    assert abs(files[1] / N - (1 - zero) * d.files_table()[0]) <= 0.01
    assert max(files) > 20  # the long tail is there
    population = {p.iso: w for p, w in zip(geo.provinces(), plan("demo").tables.geo.province_weights, strict=True)}
    assert len(provinces) == 38
    for iso, weight in population.items():
        assert _close(provinces[iso] / located, weight, located), (iso, provinces[iso] / located, weight)
