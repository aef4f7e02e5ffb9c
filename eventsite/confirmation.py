"""Ask before a destructive action (cancel an event, a registration; delete a draft).

Buttons for such actions carry `data-confirm`: where scripts run, static/js/confirm.js asks
in a dialog and sends `confirmed=1` with the form. Without scripts, the first POST arrives
without it and gets a page that asks the question, carrying what the form held; its "Yes"
button posts again with `confirmed=1`. Nothing happens on one click either way.
"""

from __future__ import annotations

from flask import render_template, request


def unconfirmed(question: str, answer: str, back_url: str, detail: str = ""):
    """The page asking `question` when this POST is not confirmed yet; None once it is."""
    if request.form.get("confirmed") == "1":
        return None
    fields = [(key, value) for key, value in request.form.items(multi=True)
              if key not in ("csrf_token", "confirmed")]
    return render_template("confirm.html", question=question, answer=answer, detail=detail,
                           action=request.path, fields=fields, back_url=back_url)
