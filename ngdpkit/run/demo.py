"""``ngdpkit demo``'s online part: the sample's test environment read back from a local NgDP.

Kept apart from the simulator (which the run's rehearsal uses) because it drives a whole
run: only the command line imports it.
"""

from __future__ import annotations

from pathlib import Path

from ..rehearsal.simulator_registry import registry_from_settings


def demo_online(settings_path: Path, env_name: str = "test") -> tuple[int, Path | None]:
    """``make demo``'s online path: a run with ``--online ngdp`` against a local NgDP that
    holds the sample's records. It writes ``migration-simulator.toml`` beside the settings
    (the same settings, the environment's ``ngdp_api_url`` pointing at the simulator, which
    gives ``NGDP_API_URL_OVERRIDDEN``), and runs into ``runs-simulator/`` so that the offline
    runs keep their own folder and ``LATEST``."""
    from ..redact import parse_authorization
    from ..rehearsal.flow import anchors_pem
    from ..rehearsal.simulator import SessionCA, Simulator, SimulatorConfig
    from ..secrets import resolve
    from ..settings import load_settings
    from .parent import run

    settings = load_settings(settings_path)
    env = settings.environment(env_name)
    header = resolve(env.authorization_env, secrets_file=settings.secrets_file)
    parsed = parse_authorization(header.reveal()) if header is not None else None
    if parsed is None or not env.system_id:
        return 0, None
    ca = SessionCA.create(settings_path.parent / "certs" / "simulator")
    cfg = SimulatorConfig(
        kind=env.kind,
        anchors_pem=anchors_pem(settings, env.kind),
        cvr=settings.organisation.cvr,
        system_id=env.system_id,
        token=parsed[1],
        contact_points=set(),
        registry=registry_from_settings(settings, env),
    )
    with Simulator(cfg, ca) as sim:
        marker = f"[environments.{env_name}]\n"
        text = settings_path.read_text(encoding="utf-8")
        ca_rel = ca.ca_file.relative_to(settings_path.parent).as_posix()
        variant = settings_path.with_name("migration-simulator.toml")
        variant.write_text(
            "# Written by `ngdpkit demo`: the sample settings, the test environment pointed at a\n"
            "# local NgDP (the simulator) that ran during the demo. Not for a real migration.\n"
            + text.replace(
                marker, marker + f'ngdp_api_url = "{sim.base_url}"\nngdp_api_ca = "{ca_rel}"\n', 1
            ),
            encoding="utf-8",
        )
        code, folders = run(
            variant,
            [env_name],
            out=settings_path.parent / "runs-simulator",
            online="ngdp",
            pdf=False,
        )
    return code, folders[0] if folders else None
