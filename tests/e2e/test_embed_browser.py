"""The widget on a plain page served from another origin (another port), in Chromium."""

import os
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import days_from_today, make_event, wall

pytestmark = pytest.mark.browser


@pytest.fixture
def other_site(tmp_path, live_server):
    """A plain HTML page like an organisation's blog post, on its own port."""
    (tmp_path / "post.html").write_text(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Our blog</title></head><body>
<h1>What's on</h1>
<script src="{live_server}/static/js/embed.js" data-tag="peace" data-count="3"
        data-accent="#b42318" async></script>
<h2>As cards</h2>
<eventsite-events layout="cards" count="1"></eventsite-events>
<h2>In a frame</h2>
<iframe id="widget" src="{live_server}/embed/events?count=2" width="500" height="300"></iframe>
<iframe id="home" src="{live_server}/" width="500" height="300"></iframe>
</body></html>""", encoding="utf-8")
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/post.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_widget_and_iframe_on_another_origin(app, new_context, live_server, other_site,
                                             output_path):
    day = days_from_today(6)
    make_event(title="Peace and reunification", tags=["Peace"], start=wall(day, 11),
               end=wall(day, 12), summary="Speakers from three continents.")
    make_event(title="Gardening", tags=["Garden"], start=wall(day, 14), end=wall(day, 15))
    page = new_context(timezone_id="Asia/Tokyo").new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(other_site)
    widget = page.locator("eventsite-events").first  # the one the script tag put there
    # Playwright's locators reach into open shadow roots.
    assert widget.get_by_role("link", name="Peace and reunification").get_attribute(
        "href") == app.config["SITE_URL"] + "/events/peace-and-reunification"  # links back
    assert "11am" in widget.locator(".when").first.inner_text()
    assert widget.get_by_role("link", name="Gardening").count() == 0  # tag="peace"
    colour = widget.get_by_role("link", name="Peace and reunification").evaluate(
        "a => getComputedStyle(a).color")
    assert colour == "rgb(180, 35, 24)"  # data-accent
    cards = page.locator("eventsite-events[layout=cards]")
    assert cards.locator("article").count() == 1
    frame = page.frame_locator("#widget")
    assert frame.get_by_role("link", name="Peace and reunification").is_visible()
    assert frame.get_by_role("link", name="Gardening").is_visible()
    # The home page refuses to be framed: the frame never shows it.
    home = page.frame_locator("#home")
    page.wait_for_timeout(500)
    assert home.locator("a.site-name").count() == 0
    page.screenshot(path=os.path.join(output_path, "embedded-widget.png"), full_page=True)
    assert errors == []
