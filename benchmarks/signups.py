"""Many visitors pressing "Register" in the same instant, each with a session of their own."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def press_together(base: str, slug: str, people: int) -> list[int]:
    """HTTP statuses of `people` sign-ups released at once (302 is success)."""
    openers, tokens = [], []
    for _ in range(people):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)
        page = opener.open(f"{base}/events/{slug}", timeout=30).read().decode()
        openers.append(opener)
        tokens.append(TOKEN.search(page).group(1))
    barrier = threading.Barrier(people)
    statuses = [0] * people

    def press(n: int) -> None:
        body = urllib.parse.urlencode({"csrf_token": tokens[n], "name": f"Person {n}",
                                       "email": f"person{n}@example.org",
                                       "consent": "y"}).encode()
        barrier.wait()
        try:
            statuses[n] = openers[n].open(f"{base}/events/{slug}/register", body,
                                          timeout=120).status
        except urllib.error.HTTPError as error:
            statuses[n] = error.code
        except OSError:
            statuses[n] = -1

    threads = [threading.Thread(target=press, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return statuses
