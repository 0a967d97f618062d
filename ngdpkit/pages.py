"""The Jinja2 environment for every page the kit writes (autoescape on, contract §10).

Values reach markup only through templates, which escape them. A fragment that is
already HTML (a table built by another template) is passed as :class:`markupsafe.Markup`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from markupsafe import Markup

__all__ = ["Markup", "fragment", "render"]


@cache
def environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("ngdpkit", "templates/pages"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **values: Any) -> str:
    """Render ``templates/pages/<template>`` with every value escaped unless it is Markup."""
    return str(environment().get_template(template).render(**values))


def fragment(name: str, *args: Any, **kwargs: Any) -> Markup:
    """One macro of ``fragments.html.j2`` (a badge, a table, a section…) as Markup."""
    macro = getattr(environment().get_template("fragments.html.j2").module, name)
    return Markup(macro(*args, **kwargs))
