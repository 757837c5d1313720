"""IdSet: which ids a read has delivered, as a bitmap (a million asset ids in 125 KB), exact for any int."""

from components import IdSet


def test_added_ids_are_members_and_their_neighbours_are_not():
    ids = IdSet()
    for i in (0, 1, 7, 8, 1000, 999_999):
        ids.add(i)
    assert all(i in ids for i in (0, 1, 7, 8, 1000, 999_999))
    assert not any(i in ids for i in (2, 6, 9, 999, 1001, 999_998, 1_000_000, 5_000_000))


def test_the_bitmap_grows_by_doubling_and_keeps_what_it_held():
    ids = IdSet()
    for i in range(0, 50_000, 3):
        ids.add(i)
    assert [i for i in range(50_000) if i in ids] == list(range(0, 50_000, 3))


def test_ids_outside_the_bitmap_are_kept_exactly():
    ids = IdSet()
    for i in (-1, IdSet.LIMIT, IdSet.LIMIT + 5, 2 ** 40):
        ids.add(i)
    assert all(i in ids for i in (-1, IdSet.LIMIT, IdSet.LIMIT + 5, 2 ** 40))
    assert -2 not in ids and IdSet.LIMIT + 1 not in ids and IdSet.LIMIT - 1 not in ids


def test_a_million_ids_cost_about_125_kilobytes():
    ids = IdSet()
    ids.add(999_999)
    assert len(ids._bits) <= 125_000
