"""Draw the PNG icons that phones need from the SVGs (``make icons``, with Chromium).

Android installs a web app from PNG icons of 192 and 512 pixels, one of them maskable (its
shapes inside the middle four-fifths, the rest filled, so that any mask shape leaves them
whole); iOS puts only a PNG ``apple-touch-icon`` on a home screen and rounds its corners
itself. The PNGs are kept in ``static/icons`` and drawn again only when an SVG changes.
"""

from __future__ import annotations

import os
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
#: (SVG, PNG, size in pixels, transparent around the shape)
ICONS = (
    ("favicon.svg", "icons/icon-192.png", 192, True),
    ("favicon.svg", "icons/icon-512.png", 512, True),
    ("icons/maskable.svg", "icons/icon-maskable-512.png", 512, False),
    ("icons/full-bleed.svg", "icons/apple-touch-icon.png", 180, False),
)


def draw(browser_path: str) -> None:
    from playwright.sync_api import sync_playwright  # a development dependency

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path)
        for source, target, size, transparent in ICONS:
            page = browser.new_page(viewport={"width": size, "height": size})
            svg = (
                (STATIC / source)
                .read_text()
                .replace("<svg ", f'<svg width="{size}" height="{size}" style="display:block" ', 1)
            )
            page.set_content(f'<body style="margin:0;background:transparent">{svg}</body>')
            page.screenshot(
                path=str(STATIC / target),
                omit_background=transparent,
                clip={"x": 0, "y": 0, "width": size, "height": size},
            )
            page.close()
        browser.close()


if __name__ == "__main__":
    draw(os.environ.get("CIRCLES_BROWSER", "/usr/bin/chromium"))
