"""A serving process, once started, keeps its start-up objects out of the collector's walks
(a full collection over them paused a worker 150–230 ms), after collecting what was garbage."""

from __future__ import annotations

import gc
import weakref


class Cycle:
    pass


def test_settling_collects_the_garbage_then_freezes_what_start_up_made():
    garbage = Cycle()
    garbage.me = garbage  # a cycle only the cyclic collector frees
    gone = weakref.ref(garbage)
    del garbage
    kept = Cycle()  # what start-up made and the process keeps
    from wall.web.app import settle

    try:
        settle()
        assert gone() is None  # collected first, not frozen for good
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # no longer walked
    finally:
        gc.unfreeze()
