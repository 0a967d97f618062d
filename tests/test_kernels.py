"""A run's kernels start without ipykernel's debugger (ngdpkit/run/kernel_launcher.py), and
only where the kernel is this Python's own ipykernel."""

from __future__ import annotations

import sys
from pathlib import Path

from ngdpkit.run import kernel_launcher
from ngdpkit.run.kernels import Kernels, without_debugger


def test_only_this_pythons_ipykernel_gets_the_kits_launcher() -> None:
    own = [sys.executable, "-m", "ipykernel_launcher", "-f", "/tmp/k.json", "--x=1"]
    assert without_debugger(own) == [
        sys.executable,
        "-m",
        "ngdpkit.run.kernel_launcher",
        "-f",
        "/tmp/k.json",
        "--x=1",
    ]
    # another Python, another kernel, a wrapper: started as the kernel spec says
    for cmd in (
        ["/opt/other/python", "-m", "ipykernel_launcher", "-f", "k.json"],
        [sys.executable, "-m", "other_kernel", "-f", "k.json"],
        ["/usr/local/bin/kernel-wrapper", sys.executable, "-m", "ipykernel_launcher"],
        [],
    ):
        assert without_debugger(cmd) == cmd
    assert kernel_launcher.main.__module__ == "ngdpkit.run.kernel_launcher"


def test_a_runs_kernel_answers_without_the_debugger_and_never_imports_debugpy(
    tmp_path: Path,
) -> None:
    kernels = Kernels()
    km = kernels.launch(tmp_path, "03_certificate")
    try:
        assert km.format_kernel_cmd()[1:3] == ["-m", "ngdpkit.run.kernel_launcher"]
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        kc.kernel_info()
        info = kc.get_shell_msg(timeout=30)
        assert info["content"]["status"] == "ok"
        assert "debugger" not in info["content"]["supported_features"]
        printed: list[str] = []

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                printed.append(msg["content"]["text"])

        reply = kc.execute_interactive(
            "import os, sys\n"
            "print(sorted(m for m, mod in sys.modules.items()\n"
            "    if mod is not None and m.split('.')[0] in ('debugpy', '_pydevd_bundle')))\n"
            "print(os.getcwd())\n"
            "import cryptography.x509\n"  # the warm imports still work, and so does a cell's
            "print('x509' in dir(cryptography))",
            timeout=60,
            output_hook=hook,
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        assert "".join(printed).split("\n")[:3] == ["[]", str(tmp_path), "True"]
    finally:
        kernels.shutdown(km)
        kernels.close()
