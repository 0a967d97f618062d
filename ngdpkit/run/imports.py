"""What a run's child imports on its main thread before any thread of its own works.

A run's child works on several threads (the notebook-done book, the render-ahead, the mapping
files and their watcher, the previous run's reader, the seal). :func:`import_for_threads` is
called once the first kernel is launched and before any of them is given work: by the
waiting child while the parent checks the input (:mod:`ngdpkit.run.child`), and again by the
run itself (``run.environment._run_phases``), where it costs nothing the second time and
covers a child that did not wait (a typed secret).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..settings import Settings


def skip_iri_grammar() -> None:
    """Mark rfc3987-syntax absent in this process, before papermill is imported.

    jsonschema (imported through papermill and nbformat) uses it, when it is installed
    (JupyterLab brings it), to check the "iri" string formats, and importing it compiles a
    grammar: 0.8 s of CPU on the run's critical path, while the first kernel boots on the
    other core. No notebook schema uses those formats (a test checks nbformat's schemas);
    jsonschema then leaves them unchecked, as it does when the package is not installed.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # now an ImportError


# jsonschema's other optional format checkers: imported with it when they are installed
# (JupyterLab brings them), isoduration with arrow, rfc3986-validator building its grammar.
# No schema nbformat validates notebooks with uses the ``format`` keyword at all (a test
# checks), so they check nothing in a run's child; importing them cost it ~0.06 CPU-s.
UNUSED_FORMAT_CHECKERS = (
    "isoduration",
    "jsonpointer",
    "rfc3339_validator",
    "rfc3986_validator",
    "uri_template",
    "webcolors",
)


def skip_unused_format_checkers() -> None:
    """Mark :data:`UNUSED_FORMAT_CHECKERS` absent in this process, before papermill is
    imported, as :func:`skip_iri_grammar` does: jsonschema then leaves those formats
    unchecked, as it does when the packages are not installed. Only the run's child calls
    it (its own process), never a process that may use jsonschema for anything else."""
    for name in UNUSED_FORMAT_CHECKERS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # now an ImportError


# What the run's threads use (the notebook-done book, the render-ahead, the mapping files
# and their watcher, the previous run's reader, the seal), imported here on the main thread
# before any of them starts. pandas, pyarrow and pyHanko's stack import themselves through
# cycles: two threads importing one of them for the first time at once can each find the
# other's module half made ("cannot import name 'Categorical' from partially initialized
# module 'pandas.core.arrays'"), and the run crashed (exit 3) now and then under load. The
# imports cost no more here: a thread's import holds the GIL as this one does, and here
# they overlap the kernel's boot and the parent's check. ``tests/test_run_threads.py``
# runs a run and fails on any module first imported off the main thread.
FOR_THE_THREADS = (
    "encodings.cp437",  # zipfile's member names
    "nbformat",
    "papermill",
    "pandas",
    "pandas.core.arrays.arrow.extension_types",
    "pyarrow.compute",
    "pyarrow.csv",  # the previous run's mapping, read back
    "pyarrow.dataset",
    "pyarrow.parquet",
    "cryptography.hazmat.backends.openssl",  # the previous run's seal, checked
    "ngdpkit.documents.signature_check",
    "jinja2",
    "babel.numbers",  # each notebook's console line, in the settings' number format
    "babel.dates",
    "nh3",
    "rustpy_xlsxwriter",
    "ngdpkit.catalogue",
    "ngdpkit.checks.system",  # the CVR as a page names it (shown_cvr)
    "ngdpkit.compare.runs",
    "ngdpkit.deliverables.powershell",
    "ngdpkit.documents.signoff",
    "ngdpkit.run.environment",
    "ngdpkit.run.neighbours",
    "ngdpkit.run.scan",  # the previous run's mapping CSV may be the kit's placeholder
)
FOR_THE_SEAL = (  # with [signing]: what opening the seal and signing import
    "ngdpkit.documents.signing",
    "ngdpkit.documents.timestamps",
    "pyhanko.sign.signers",
    "pyhanko.sign.fields",
    "pyhanko.sign.timestamps",
    "pyhanko.pdf_utils.incremental_writer",
    "pyhanko_certvalidator.registry",
    "asn1crypto.keys",
    "asn1crypto.x509",
)


# pandas' own module for Arrow's types (what reading a Parquet table into pandas imports): a
# library's inside, which a later pandas may move; then there is nothing of it to import.
INSIDE_A_LIBRARY = frozenset({"pandas.core.arrays.arrow.extension_types"})


@contextlib.contextmanager
def collector_off() -> Iterator[None]:
    """The garbage collector off meanwhile; then what exists is frozen (``gc.freeze``: no
    later round walks it), and the collector is on again if it was on before.

    Importing a library makes objects that live as long as the process (modules, classes,
    functions), by the hundred thousand: each of them counted towards the collector's
    next round, which then walked all that was made before, in vain. The run's child
    imports with it off and then freezes, as its kernel does (``kernels.launch``) and as
    the notebook sequence did already: ~0.1 CPU-s less of the child's 0.8 s of imports."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()


def import_for_threads(settings: Settings) -> None:
    """Import, on this (the main) thread, every module the run's threads will use, with
    the garbage collector off (:func:`collector_off`)."""
    skip_iri_grammar()
    with collector_off():
        for name in FOR_THE_THREADS + (FOR_THE_SEAL if settings.signing is not None else ()):
            try:
                importlib.import_module(name)
            except ModuleNotFoundError:
                if name not in INSIDE_A_LIBRARY:
                    raise
