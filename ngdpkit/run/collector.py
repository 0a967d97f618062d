"""Python's cyclic garbage collector in a run's own processes.

A run's parent and child are batch processes: they start, import pandas, pyarrow and the
Jupyter stack, build tables of up to 100,000 rows and end, within seconds. Python frees
nearly all of that by reference counting; the cyclic collector meanwhile walked the growing
heap again and again (the full collections a growing heap triggers), for 0.2-0.25 s of a
100,000-mailbox run in each of the two processes. So while a run's command works the
collector is off, and it is on again when the command returns (a caller that runs the
command in its own process, as the tests do, keeps its collector). Measured at 100,000
mailboxes the processes' peak memory stayed where it was (benchmarks/HISTORY.md, session 18).

The kernels are not batch processes in this sense (they run the notebooks' own code): a
kernel's collector is off only while it imports what its notebook will use, which is then
frozen out of every later collection (:mod:`.kernels`).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# The commands whose process is a run's parent or child (``watch``, ``simulate`` and ``lab``
# live for hours and keep the collector).
BATCH_COMMANDS = frozenset({"run", "_run-environment"})


@contextlib.contextmanager
def collector_for(command: str) -> Iterator[None]:
    """The cyclic collector off while ``command`` works, if it is a run's; as it was after."""
    if command not in BATCH_COMMANDS or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
