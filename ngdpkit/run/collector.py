"""Python's cyclic garbage collector in the kit's command processes.

A command's process is a batch process: ``run``'s parent and child, ``check`` and the rest
start, import pandas, pyarrow and the Jupyter stack, build tables of up to 100,000 rows and
end, within seconds. Python frees nearly all of that by reference counting; the cyclic
collector meanwhile walked the growing heap again and again (the full collections a growing
heap triggers): 0.2-0.25 s of a 100,000-mailbox run in each of its two processes, 0.4 s of
``check``. So while a command works the collector is off, and it is on again when the
command returns (a caller that runs the command in its own process, as the tests do, keeps
its collector). Measured at 100,000 mailboxes the processes' peak memory stayed where it was,
within the runs' own spread (benchmarks/HISTORY.md, session 18); after a command, a
collection finds a few hundred objects to free. ``simulate`` serves until it is stopped,
for as long as a rehearsal session lasts, and keeps the collector.

The kernels are not batch processes in this sense (they run the notebooks' own code): a
kernel's collector is off only while it imports what its notebook will use, which is then
frozen out of every later collection (:mod:`.kernels`).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# The commands that run until they are stopped (``watch`` is one read of NgDP, not a loop).
LONG_LIVED = frozenset({"simulate"})


@contextlib.contextmanager
def collector_for(command: str) -> Iterator[None]:
    """The cyclic collector off while ``command`` works, unless it is long-lived; as it was
    after."""
    if command in LONG_LIVED or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
