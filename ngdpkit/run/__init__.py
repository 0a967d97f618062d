"""A run, from the parent process to a sealed folder (contract §6-§8, §10).

``parent`` refuses bad input (``preflight``), resolves secrets and starts one child per
environment; ``environment`` is one environment's run in that child, in phases (``core``,
``sequence``, ``ahead``, ``outputs``, ``pages``); ``folder`` owns a run
folder's lifecycle (create, seal, render, scan again, manifest, ``LATEST``) for ``run``,
``rehearse`` and ``compare``; ``audit`` is the hash chain and ``verify``; ``scan`` the leak
scan; ``bundle`` the support zip.
"""
