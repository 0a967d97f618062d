"""``signoff/diagram.svg``: the integration at a glance, drawn from the settings (contract §7).

The environment's WorkZone servers with their egress addresses, the firewall, NgDP's host
and published addresses, and for REST_PUSH NgDP's calls back to the two push endpoints.
Test and production differ in colour and banner, so nobody mistakes one for the other.
Rendered from an autoescaping template: every value is text, never markup.
"""

from __future__ import annotations

from typing import Any

from ..checks.network import NGDP
from ..settings import Environment

COLOURS = {"test": "#a15c00", "production": "#1f4e79"}
WORDS = {
    "da": {
        "test": "TESTMILJØ",
        "production": "PRODUKTION",
        "servers": "WorkZone-servere",
        "egress": "Udgående adresser (til registrering i portalen)",
        "firewall": "Firewall",
        "outgoing": "HTTPS 443 udgående",
        "push": "WorkZone Push Service",
        "incoming": "NgDP kalder push-endepunkterne (HTTPS)",
        "no_servers": "(servere ikke angivet)",
        "alt": "Diagram, {banner}, {organisation}: {servers} sender udgående HTTPS (port 443) "
        "fra {egress} gennem firewallen til NgDP på {host} ({ips}).",
        "no_egress": "(adresser ikke angivet)",
        "alt_push": " NgDP kalder WorkZone Push Service på {endpoints}.",
    },
    "en": {
        "test": "TEST ENVIRONMENT",
        "production": "PRODUCTION",
        "servers": "WorkZone servers",
        "egress": "Egress addresses (to be registered in the portal)",
        "firewall": "Firewall",
        "outgoing": "HTTPS 443 outgoing",
        "push": "WorkZone Push Service",
        "incoming": "NgDP calls the push endpoints (HTTPS)",
        "no_servers": "(servers not listed)",
        "alt": "Diagram, {banner}, {organisation}: {servers} send outgoing HTTPS (port 443) from "
        "{egress} through the firewall to NgDP {host} ({ips}).",
        "no_egress": "(addresses not listed)",
        "alt_push": " NgDP calls the WorkZone Push Service at {endpoints}.",
    },
}


def _ngdp(env: Environment) -> dict[str, Any]:
    """The NgDP the environment's kind reaches (test for an unknown kind)."""
    return NGDP[env.kind] if env.kind in NGDP else NGDP["test"]


def _banner(env: Environment, w: dict[str, str]) -> str:
    return f"{w.get(env.kind, env.kind)}: {env.name}"


def _push_ends(env: Environment) -> list[str]:
    """The receipt and message endpoints NgDP calls, which the diagram and its text show:
    none unless REST_PUSH with a usable push URL."""
    from ..checks.system import push_endpoints, usable_push_url

    if env.protocol != "REST_PUSH" or not usable_push_url(env.push_base_url, env.protocol):
        return []
    ends = push_endpoints(env.push_base_url or "", env.system_id or "<systemid>")
    return [ends["receipt_endpoint"], ends["message_endpoint"]]


def diagram_text(env: Environment, *, organisation: str, language: str) -> str:
    """The diagram in words: the text alternative of its image on the sign-off page
    (WCAG 1.1.1), for a screen reader, which reads nothing of an SVG shown as an image."""
    w = WORDS["da" if language == "da" else "en"]
    ngdp = _ngdp(env)
    names = ", ".join(s.name for s in env.servers)
    # "(servere ikke angivet)" is in brackets of its own: "WorkZone-servere ((servere …))"
    servers = f"{w['servers']} ({names})" if names else f"{w['servers']} {w['no_servers']}"
    text = w["alt"].format(
        banner=_banner(env, w),
        organisation=organisation,
        servers=servers,
        egress=", ".join(env.server_ips) or w["no_egress"],
        host=ngdp["host"],
        ips=", ".join(ngdp["ips"]),
    )
    if ends := _push_ends(env):
        text += w["alt_push"].format(endpoints=", ".join(ends))
    return text


def render_diagram(env: Environment, *, organisation: str, language: str) -> str:
    from .pages import render

    lang = "da" if language == "da" else "en"
    w = WORDS[lang]
    servers: list[dict[str, Any]] = [
        {
            "name": s.name,
            "detail": ", ".join(x for x in (s.role, s.internal_ip) if x) or "",
        }
        for s in env.servers
    ] or [{"name": w["no_servers"], "detail": ""}]
    y = 74
    for s in servers:
        s["y"] = y
        y += 62
    push: dict[str, Any] | None = None
    bottom = y + 40
    if ends := _push_ends(env):
        push = {
            "y": bottom + 10,
            "label": w["push"],
            "endpoints": ends,
            "incoming_label": w["incoming"],
        }
        push["arrow_y"] = push["y"] + 17
        bottom = push["y"] + 34 + 10
    width = 980
    ngdp = _ngdp(env)
    fw_bottom = bottom
    height = max(bottom + 40 + (44 if push else 0), 240)
    return render(
        "diagram.svg.j2",
        width=width,
        height=height,
        title=f"{organisation} – {env.name} ({env.kind})",
        colour=COLOURS.get(env.kind, COLOURS["test"]),
        banner=_banner(env, w),
        organisation=organisation,
        servers_label=w["servers"],
        servers=servers,
        egress_y=y + 10,
        egress_label=w["egress"],
        egress=", ".join(env.server_ips) or "?",
        fw_x=430,
        fw_bottom=fw_bottom,
        firewall_label=w["firewall"],
        ngdp_x=700,
        ngdp_host=ngdp["host"],
        ngdp_ips=list(ngdp["ips"]),
        out_y=100,
        outgoing_label=w["outgoing"],
        push=push,
    )
