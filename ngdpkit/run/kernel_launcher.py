"""The process of a run's kernel: ipykernel's own launcher (``python -m ipykernel_launcher``)
without the debugger.

ipykernel imports debugpy as it builds every kernel, to offer JupyterLab's visual debugger:
0.17 s of each kernel's start, a sixth of its imports. A run's kernels execute notebooks for
papermill, and no front end ever attaches to them, so the debugger is never used. Marking
``debugpy`` as not importable makes ipykernel skip it, as it does where debugpy is not
installed (its kernel_info then offers no "debugger" feature). A kernel the consultant starts in
JupyterLab is started by Jupyter's own launcher, and keeps its debugger.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    # As ipykernel_launcher: the working folder is off the import path while ipykernel loads
    # (IPython puts it back for the notebook's own imports). The run's kernels also start with
    # PYTHONSAFEPATH, which keeps it off already.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    sys.modules["debugpy"] = None  # type: ignore[assignment]  # "import debugpy" fails at once
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
