"""Development-only pages: the mail the file backend wrote. Never registered in production."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from advice_hub.services import current_services
from notifications.mailbox import links_in, list_messages, message_html, message_text, read_message

bp = Blueprint("dev", __name__, url_prefix="/dev")


@bp.route("/mail")
def mail() -> Any:
    folder = current_services().settings.mail_outbox_dir
    return render_template(
        "dev/mail.html",
        page_title="Mail sent (development)",
        messages=list_messages(folder),
        folder=folder,
    )


@bp.route("/mail/<name>")
def message(name: str) -> Any:
    folder = current_services().settings.mail_outbox_dir
    try:
        email = read_message(folder, name)
    except FileNotFoundError:
        abort(404)
    return render_template(
        "dev/message.html",
        page_title=str(email["Subject"]),
        email=email,
        text=message_text(email),
        has_html=message_html(email) is not None,
        links=links_in(email),
    )
