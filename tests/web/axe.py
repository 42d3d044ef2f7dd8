"""axe-core (served locally from the vendor assets) run in a Playwright page."""

from __future__ import annotations

from typing import Any

#: The WCAG levels the RGAA refers to.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_graves(page: Any, contexte: str = "") -> list[str]:
    """Serious and critical axe-core findings on the page (or on the ``contexte`` selector)."""
    page.add_script_tag(url=page.base + "/static/vendor/axe-core/axe.min.js")
    result = page.evaluate(
        "async ([ctx, tags]) => await axe.run(ctx || document, "
        "{runOnly: {type: 'tag', values: tags}})", [contexte, WCAG_AA])
    return [f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
