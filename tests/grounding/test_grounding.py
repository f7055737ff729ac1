"""Grounding exercises for everyone, and what makes Circles installable and usable offline."""

from __future__ import annotations

import json
import re
import shutil

from tests.conftest import client_for


def test_the_exercises_are_there_for_anyone_without_javascript(app, client, make):
    for visitor in (client, client_for(app, make.create_user("Member"))):
        page = visitor.get("/grounding")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        for heading in ("Paced breathing", "5-4-3-2-1", "Body scan"):
            assert f">{heading}</h2>" in text
        # The instructions are plain text; the guided controls appear only with the script.
        assert "count to four" in text and "5 things you can see" in text
        assert re.search(r'class="exercise-controls" hidden', text)
        assert 'aria-live="polite"' in text


def test_the_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert manifest["icons"] and all(i["src"].startswith("/static/") for i in manifest["icons"])


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20]), int.from_bytes(data[20:24])


def test_phones_get_icons_they_can_put_on_a_home_screen(client):
    """Android installs from 192 and 512 pixel PNGs (a maskable one fills its shapes); iOS
    takes only a PNG apple-touch-icon. Each is served here and is the size it says."""
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    pngs = {(i["sizes"], i["purpose"]): i for i in manifest["icons"] if i["type"] == "image/png"}
    assert set(pngs) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _purpose), icon in pngs.items():
        with client.get(icon["src"]) as response:  # a static file: closed once read
            assert response.status_code == 200 and response.mimetype == "image/png"
            width, height = _png_size(response.get_data())
        assert f"{width}x{height}" == sizes
    page = client.get("/grounding").get_data(as_text=True)
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)"', page)
    assert touch is not None
    with client.get(touch.group(1)) as response:
        assert response.mimetype == "image/png" and _png_size(response.get_data()) == (180, 180)


def test_the_service_worker_keeps_only_pages_without_anything_personal(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    source = response.get_data(as_text=True)
    pages = json.loads(re.search(r"const OFFLINE_PAGES = (\[.*?\]);", source).group(1))
    assets = json.loads(re.search(r"const OFFLINE_ASSETS = (\[.*?\]);", source).group(1))
    assert pages == ["/help", "/grounding", "/offline"]
    for path in pages + assets:
        with client.get(path) as kept:
            assert kept.status_code == 200, path
    # Copies are made without the login cookie: what is kept is what anyone may see.
    assert 'credentials: "omit"' in source
    assert re.search(r'const CACHE = "circles-[0-9a-f]{16}";', source)


def test_a_new_version_of_a_kept_file_is_a_new_cache(app, client, tmp_path):
    first = re.search(r'const CACHE = "([^"]+)"', client.get("/sw.js").get_data(as_text=True))
    original = app.static_folder
    copy = tmp_path / "static"
    shutil.copytree(original, copy)
    (copy / "js" / "grounding.js").write_text("// changed\n", encoding="utf-8")
    app.static_folder = str(copy)
    try:
        second = re.search(r'const CACHE = "([^"]+)"', client.get("/sw.js").get_data(as_text=True))
    finally:
        app.static_folder = original
    assert first and second and first.group(1) != second.group(1)


def test_the_offline_page_points_to_what_works_without_a_connection(client):
    text = client.get("/offline").get_data(as_text=True)
    assert 'href="/grounding"' in text and 'href="/help"' in text


def test_the_guide_reads_its_words_from_the_page(client):
    """The script's words come with the page, in its language; placeholders stay for the script
    to fill, and counts come in a form for one and one for more."""
    page = client.get("/grounding").get_data(as_text=True)
    island = re.search(r'<script type="application/json" id="page-texts">(.*?)</script>', page)
    texts = json.loads(island.group(1))
    assert texts["breathe_in"] == "Breathe in"
    assert texts["breaths_one"] == "%(num)s breath" and texts["breaths_other"] == "%(num)s breaths"
    assert texts["step"] == "Step %(number)s of %(total)s: %(step)s"
    assert texts["now"] == "Now: %(area)s"
    assert texts["seconds_left_other"] == "%(num)s seconds left for this part"
    assert "In for 4, out for 6" in page and ">40 seconds</option>" in page


def test_the_manifest_and_the_kept_pages_name_their_language(client):
    spanish = {"Accept-Language": "es"}
    manifest = json.loads(client.get("/manifest.webmanifest", headers=spanish).get_data())
    assert manifest["lang"] == "es" and manifest["name"] == "Circles"
    assert json.loads(client.get("/manifest.webmanifest").get_data())["lang"] == "en"
    # The worker refreshes its copies (made without cookies) in the language the person reads.
    for path in ("/help", "/grounding", "/offline"):
        response = client.get(path, headers={"Accept-Language": "de"})
        assert response.headers["Content-Language"] == "de", path
    source = client.get("/sw.js").get_data(as_text=True)
    assert '"Accept-Language": language' in source and 'get("Content-Language")' in source
