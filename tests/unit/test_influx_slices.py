import itertools

from wall.store.influx import READERS, SLICE_ROWS, read_slices

H = 3600


def test_a_short_read_is_one_query():
    assert read_slices(0, 24 * H, H, None) == [(0, 24 * H)]
    assert read_slices(0, 24 * H, H, ["n1"]) == [(0, 24 * H)]


def test_a_long_read_is_cut_into_adjacent_slices_covering_the_range():
    end = 30 * 24 * H + 123  # not on a bucket edge
    slices = read_slices(0, end, H, None)
    assert len(slices) == READERS
    assert slices[0][0] == 0 and slices[-1][1] == end
    assert all(a[1] == b[0] for a, b in itertools.pairwise(slices))
    assert all(t0 % H == 0 for t0, _ in slices)


def test_the_node_count_decides_when_to_cut():
    hours = SLICE_ROWS  # one node: SLICE_ROWS rows, still one query
    assert len(read_slices(0, hours * H, H, ["n1"])) == 1
    assert len(read_slices(0, hours * H, H, ["n1", "n2"])) == READERS
