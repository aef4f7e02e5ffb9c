"""Every page a visitor, an attendee and an organiser sees, at 1280 px and 390 px, light and
dark: screenshotted into test-results/, checked by axe-core (no serious or critical
violation) and never wider than the phone's screen. One browser, the pages in a loop."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from eventsite.extensions import db
from eventsite.models import Event, Organisation, Speaker, User
from eventsite.services import accounts, attendees, images, registrations
from tests.factories import (
    PASSWORD,
    days_from_today,
    make_event,
    make_organiser,
    make_seed_webinar,
    wall,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1280, "phone": 390}
SEVERE = ("serious", "critical")


def _picture(size: tuple[int, int], colour: tuple[int, int, int]) -> str:
    """A stored image (as an organiser's upload becomes): a face-like disc or a logo."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (255, 255, 255) if size[0] > size[1] else colour)
    draw = ImageDraw.Draw(image)
    w, h = size
    if w > h:  # a logo: a mark and a bar, on white
        draw.ellipse((10, 10, h - 10, h - 10), fill=colour)
        draw.rectangle((h + 10, h // 3, w - 20, h // 3 + h // 6), fill=colour)
    else:
        draw.ellipse((w // 4, h // 6, 3 * w // 4, h // 2 + h // 10), fill=(240, 200, 170))
        draw.ellipse((w // 8, h // 2 + h // 12, 7 * w // 8, h + h // 3), fill=(60, 60, 90))
    image.save(buffer, "PNG")
    buffer.seek(0)
    return images.store_event_image(buffer)


def _site(app) -> dict[str, list[tuple[str, str]]]:
    """Events, people and registrations behind every kind of page; the pages' paths."""
    seed = make_seed_webinar()
    day = days_from_today(9)
    talk = make_event(
        title="Reading group: Capital, volume one", slug="reading-group",
        timezone="Europe/London", start=wall(day, 19), end=wall(day, 20, 30),
        summary="A monthly reading group, online and in London.",
        description="We read **chapter 1** together.\n\n- Bring the book\n- Bring a friend",
        tags=["Reading Group", "Marx"], format="hybrid",
        venue={"name": "Marx Memorial Library", "address": "37a Clerkenwell Green, London"},
        speakers=[{"name": "Radhika Desai", "affiliation": "University of Manitoba",
                   "role": "chair"}, {"name": "Keith Bennett"}],
        organisations=[{"name": "International Manifesto Group",
                        "url": "https://internationalmanifesto.org"}],
        locations=[{"name": "Zoom", "url": "https://zoom.us/j/1", "visibility": "registrants"}],
        registration={"mode": "builtin", "capacity": 2})
    make_event(title="Webinar in Beijing", slug="beijing", timezone="Asia/Shanghai",
               start=wall(days_from_today(4), 20), end=wall(days_from_today(4), 21))
    make_event(title="Called off", status="cancelled", status_note="The speaker is ill.",
               start=wall(days_from_today(6), 11), end=wall(days_from_today(6), 12))
    draft = make_event(title="A draft in progress", status="draft")
    first = days_from_today(2)
    weekly = make_event(
        title="Korean for beginners, every week", slug="korean-weekly",
        timezone="Asia/Seoul", start=wall(first, 19), end=wall(first, 20),
        summary="Eight evenings of Korean, online.", tags=["한국어"],
        speakers=[{"name": "Ji-woo Park", "role": "host"}],
        recurrence={"rule": "FREQ=WEEKLY;COUNT=8"}, registration={"mode": "builtin"})
    confirming = make_event(title="Confirm to come", slug="confirm-to-come",
                            registration={"mode": "builtin", "confirmation_required": True})
    people = [registrations.register(talk, registrations.SignUp(
        f"Person {n}", f"person{n}@example.org", "Peace Network", True)).registration
        for n in range(3)]
    pending = registrations.register(confirming, registrations.SignUp(
        "Ana", "ana@example.org", "", True)).registration
    speaker = db.session.scalar(db.select(Speaker).where(Speaker.name == "Radhika Desai"))
    speaker.photo_id = _picture((600, 600), (67, 56, 202))
    organisation = db.session.scalar(db.select(Organisation).where(
        Organisation.name == "International Manifesto Group"))
    organisation.logo_id = _picture((600, 200), (180, 30, 40))
    db.session.commit()
    organiser = db.session.scalar(db.select(User))
    reset = accounts.password_reset_token(organiser, app.config["SECRET_KEY"])
    second = (first + timedelta(days=7)).isoformat()
    return {
        "public": [
            ("home", "/"), ("past", "/events/past"),
            ("event-seed", f"/events/{seed.slug}"), ("event-registration", "/events/reading-group"),
            ("event-beijing", "/events/beijing"), ("event-cancelled", "/events/called-off"),
            ("series", "/events/korean-weekly"), ("occurrence", f"/events/korean-weekly/{second}"),
            ("calendar", f"/calendar/{day:%Y/%m}?tz=Asia/Tokyo"),
            ("speaker", f"/speakers/{speaker.slug}"),
            ("speaker-no-photo", "/speakers/keith-bennett"),
            ("organisation", "/organisations/international-manifesto-group"),
            ("speakers", "/speakers"), ("organisations", "/organisations"), ("tags", "/tags"),
            ("tag", "/tags/reading-group"), ("search", "/search?q=reading"),
            ("search-nothing", "/search?q=zzzz"), ("embed-list", "/embed/events"),
            ("embed-event", "/embed/events/reading-group"),
            ("not-found", "/events/no-such-event"),
        ],
        "attendee": [
            ("registered", "/events/reading-group/registered"),
            ("my-registration", f"/r/{people[0].token}"),
            ("my-waitlist-place", f"/r/{people[2].token}"),
            ("confirm-my-place", f"/confirm/{pending.confirm_token}"),
            ("join-before-the-room-opens", f"/j/{people[0].join_secret}"),
            ("all-my-registrations", f"/me/{attendees.mine_token(people[0].email)}"),
            ("unsubscribe", "/unsubscribe/"
                            + attendees.unsubscribe_token(people[0].email, "reminders")),
        ],
        "sign-in": [("sign-in", "/auth/sign-in"), ("forgot-password", "/auth/forgot"),
                    ("reset-password", f"/auth/reset/{reset}")],
        "admin": [
            ("dashboard", "/admin/"), ("new-event", "/admin/events/new"),
            ("edit-event", f"/admin/events/{talk.id}/edit"),
            ("edit-draft", f"/admin/events/{draft.id}/edit"),
            ("edit-series", f"/admin/events/{weekly.id}/edit"),
            ("edit-series-date", f"/admin/events/{weekly.id}/dates/{second}"),
            ("preview", f"/admin/events/{draft.id}/preview"),
            ("registrants", f"/admin/events/{talk.id}/registrations"),
            ("speakers", "/admin/speakers"), ("edit-speaker", f"/admin/speakers/{speaker.id}"),
            ("organisations", "/admin/organisations"),
            ("edit-organisation", f"/admin/organisations/{organisation.id}"),
            ("organisers", "/admin/organisers"), ("change-password", "/auth/password"),
        ],
    }


def _check(page, name: str, out: Path, width: int) -> list[str]:
    """Screenshot the page; what axe and the width check found wrong with it."""
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    problems = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        problems.append(f"{name}: {scroll} px wide in a {width} px viewport")
    cut = page.evaluate("""() => {
        const nav = document.querySelector(".site-header nav");
        const first = nav && nav.querySelector("a, button");
        return first ? [nav.getBoundingClientRect().left - first.getBoundingClientRect().left,
                        nav.scrollWidth - nav.clientWidth] : [0, 0];
    }""")
    if max(cut) > 1:  # a menu spilling out of its box: an entry cut off at an edge
        problems.append(f"{name}: the menu is cut by {cut[0]:.0f} px on the left and "
                        f"{cut[1]:.0f} px on the right")
    under = page.evaluate("""() => [...document.querySelectorAll(".facts p")].filter(p => {
        const label = p.querySelector("strong").getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(p);
        return [...range.getClientRects()].some(r => r.width > 0 && r.top >= label.bottom - 1
                                                  && r.left < label.right - 1);
    }).map(p => p.querySelector("strong").textContent)""")
    if under:  # a wrapped fact runs on under its label, not under its value
        problems.append(f"{name}: facts wrap under their labels: {under}")
    flush = page.evaluate("""() => [...document.querySelectorAll(".event-card-title")]
        .filter(t => t.getBoundingClientRect().left -
                     t.closest(".event-card").getBoundingClientRect().left < 8)
        .map(t => t.textContent.trim())""")
    if flush:  # a card's text against its border
        problems.append(f"{name}: card text without padding: {flush}")
    broken = page.evaluate("""() => [...document.querySelectorAll("th")].filter(th => {
        const range = document.createRange();
        range.selectNodeContents(th);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        const shown = th.getBoundingClientRect().width > 8;  // not a table-stack's hidden head
        return shown && !th.querySelector(".visually-hidden") &&
               !/\\s/.test(th.textContent.trim()) && lines.size > 1;
    }).map(th => th.textContent.trim())""")
    if broken:  # a one-word heading broken mid-word ("EVEN" / "TS")
        problems.append(f"{name}: table headings broken mid-word: {broken}")
    rows = page.evaluate("""() => [...document.querySelectorAll(".month-nav a")]
        .map(a => Math.round(a.getBoundingClientRect().top))""")
    if len(set(rows)) > 1:
        problems.append(f"{name}: the month links wrap onto {len(set(rows))} lines")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
    }""")
    problems += [f"{name}: {v['impact']} {v['id']} at {v['nodes']}" for v in found
                 if v["impact"] in SEVERE]
    return problems


def test_every_page_looks_right_and_passes_axe(browser, live_server, output_path, app):
    assert AXE.exists(), "npm ci --prefix tests/js installs axe-core"
    make_organiser(is_admin=True)
    pages = _site(app)
    out = Path(output_path) / "pages"
    os.makedirs(out, exist_ok=True)
    problems: list[str] = []
    for scheme in ("light", "dark"):
        for label, width in WIDTHS.items():
            # bypass_csp: axe is injected as an inline script, which the site's CSP forbids.
            context = browser.new_context(viewport={"width": width, "height": 900},
                                          color_scheme=scheme, bypass_csp=True,
                                          timezone_id="Asia/Tokyo", is_mobile=width < 500)
            page = context.new_page()
            page.set_default_timeout(15_000)
            for area in ("public", "attendee", "sign-in"):
                for name, path in pages[area]:
                    page.goto(live_server + path)
                    problems += _check(page, f"{area}-{name}-{label}-{scheme}", out, width)
            page.goto(live_server + "/auth/sign-in")
            page.get_by_label("E-mail").fill("ada@example.org")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/admin/**")
            for name, path in pages["admin"]:
                page.goto(live_server + path)
                problems += _check(page, f"admin-{name}-{label}-{scheme}", out, width)
            context.close()
    assert len(list(out.glob("*.png"))) == 2 * 2 * sum(len(p) for p in pages.values())
    assert not problems, "\n".join(problems)
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 7
