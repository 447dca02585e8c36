"""The national demo set: about 1,300 groups of 3 to 5 practices from 5,000 practices.

The scale is that of DOMAIN.md: some 5,000 general practices in the Netherlands; the
practice types follow Nivel 2017 (34% solo, 43% duo, 23% group practices).
"""

import collections

import pytest

from spiegelkit.run.check import check_group
from spiegelkit.tools.demo import national_regions, write_national_demo


@pytest.fixture(scope="module")
def regions():
    return national_regions(5000, seed=2026)


def test_five_thousand_practices_make_about_1300_groups_of_3_to_5(regions):
    groups = [g for _, region in regions for g in region["groups"]]
    practices = [p for g in groups for p in g["practices"]]
    assert len(practices) == 5000
    assert len({p["agb"] for p in practices}) == 5000
    assert 1250 <= len(groups) <= 1350  # 5,000 / 3.85 practices per group = 1,299
    assert {len(g["practices"]) for g in groups} == {3, 4, 5}
    assert len({g["group_id"] for g in groups}) == len(groups)
    for _, region in regions:
        names = [p["name"] for g in region["groups"] for p in g["practices"]]
        assert len(set(names)) == len(names)  # a handout tells practices apart by name
    sizes = collections.Counter(p["size"] for p in practices)
    assert sizes["solo"] / 5000 == pytest.approx(0.34, abs=0.03)
    assert sizes["groep"] / 5000 == pytest.approx(0.23, abs=0.03)


def test_the_same_seed_gives_the_same_set(regions):
    assert national_regions(5000, seed=2026) == regions
    assert national_regions(5000, seed=7) != regions


def test_a_small_national_set_is_written_and_every_group_passes_the_checks(tmp_path):
    paths = write_national_demo(tmp_path, practices=260, seed=3)  # 3 regions of 86-87
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params", "regio-01", "regio-02", "regio-03"]
    assert 60 <= len(paths) <= 75
    for group_id in sorted(paths)[::10]:
        checked = check_group(paths[group_id])
        assert checked.ok, [str(p) for p in checked.problems]
        assert checked.params.group_id == group_id
        assert checked.data.folder.name == group_id[:len("regio-01")]
