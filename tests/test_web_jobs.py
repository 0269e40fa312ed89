"""Which upload the web page colorizes next (somcolor/_web_jobs.py: Lanes).

The lanes are driven here directly, in an event loop, with uploads that
hold their lane until the test lets them go, and with a clock the test
moves: the order is checked, never a time. ``tests/test_web.py`` checks the
same over HTTP.
"""

import pytest

anyio = pytest.importorskip("anyio", reason="the web page needs '.[web]'")
wait_all_tasks_blocked = anyio.wait_all_tasks_blocked

from somcolor._web_jobs import Lanes  # noqa: E402

MP = 1_000_000


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _run(test):
    anyio.run(test, backend="asyncio")


async def _job(lanes, pixels, log, name, release=None):
    async with lanes.turn(pixels) as lane:
        log.append((name, lane))
        if release is not None:
            await release.wait()


async def _holding(group, lanes, pixels, log, name):
    """Start an upload that keeps its lane until the event returned is set."""
    release = anyio.Event()
    group.start_soon(_job, lanes, pixels, log, name, release)
    await wait_all_tasks_blocked()
    return release


def test_a_small_photograph_never_waits_behind_a_large_one():
    async def main():
        lanes, log = Lanes(small_pixels=4 * MP), []
        async with anyio.create_task_group() as group:
            release = await _holding(group, lanes, 24 * MP, log, "large")
            assert log == [("large", "large")]
            with anyio.fail_after(60):  # a bound, not a timing check
                await _job(lanes, 1 * MP, log, "small")
            assert log == [("large", "large"), ("small", "small")]
            release.set()

    _run(main)


def test_waiting_uploads_go_smallest_first():
    async def main():
        lanes, log = Lanes(small_pixels=4 * MP, ageing=0), []
        async with anyio.create_task_group() as group:
            hold_large = await _holding(group, lanes, 24 * MP, log, "A")
            hold_small = await _holding(group, lanes, 1 * MP, log, "B")
            for name, pixels in [("C", 20), ("D", 8), ("E", 2), ("F", 3)]:
                group.start_soon(_job, lanes, pixels * MP, log, name)
                await wait_all_tasks_blocked()
            assert lanes.waiting == 4 and [n for n, _ in log] == ["A", "B"]
            hold_large.set()  # the large lane takes them one by one, smallest first
            await wait_all_tasks_blocked()
            assert log[2:] == [
                ("E", "large"),
                ("F", "large"),
                ("D", "large"),
                ("C", "large"),
            ]
            hold_small.set()

    _run(main)


@pytest.mark.parametrize("ageing, first", [(MP, "old 24 MP"), (0, "new 8 MP")])
def test_a_long_wait_moves_a_large_upload_forward(ageing, first):
    async def main():
        clock = _Clock()
        lanes, log = Lanes(small_pixels=4 * MP, ageing=ageing, clock=clock), []
        async with anyio.create_task_group() as group:
            hold = await _holding(group, lanes, 24 * MP, log, "busy")
            group.start_soon(_job, lanes, 24 * MP, log, "old 24 MP")
            await wait_all_tasks_blocked()
            clock.now = 30.0  # waited 30 s: ranks as 24 - 30 megapixels
            group.start_soon(_job, lanes, 8 * MP, log, "new 8 MP")
            await wait_all_tasks_blocked()
            hold.set()
        assert [name for name, _ in log] == [
            "busy",
            first,
            ({"old 24 MP", "new 8 MP"} - {first}).pop(),
        ]

    _run(main)


def test_an_upload_that_goes_away_while_waiting_leaves_no_trace():
    async def main():
        lanes, log = Lanes(small_pixels=4 * MP), []
        async with anyio.create_task_group() as group:
            hold = await _holding(group, lanes, 24 * MP, log, "busy")
            with anyio.move_on_after(0) as scope:
                await _job(lanes, 10 * MP, log, "gone")
            assert scope.cancelled_caught and lanes.waiting == 0
            hold.set()
        # Both lanes are free again: a large and a small upload run.
        await _job(lanes, 10 * MP, log, "next")
        await _job(lanes, 1 * MP, log, "small")
        assert log == [("busy", "large"), ("next", "large"), ("small", "small")]

    _run(main)
