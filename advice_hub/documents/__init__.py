"""Documents made from the page templates without Flask: the section K appendix and the
contributor's receipt, as tagged (PDF/UA-1) A4 PDFs. Below the web layer and the workers, so
both can make them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from advice_hub.config import PROJECT_ROOT
from advice_hub.display import iso_long_date, joined, london_datetime, long_date, plural


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(PROJECT_ROOT / "templates")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        long_date=long_date,
        iso_long_date=iso_long_date,
        london_datetime=london_datetime,
        plural=plural,
        joined=joined,
    )
    return environment


def render_document(template_name: str, **context: Any) -> str:
    """A document template rendered to HTML (``templates/documents/``)."""
    return _environment().get_template(template_name).render(**context)


def render_pdf(template_name: str, **context: Any) -> bytes:
    """A document template rendered to a tagged A4 PDF."""
    return html_to_pdf(render_document(template_name, **context))


def html_to_pdf(html: str) -> bytes:
    """The appendix's HTML as a tagged (PDF/UA-1) A4 PDF.

    The HTML carries its own print stylesheet, title, language and metadata. Nothing is fetched:
    everything the document needs is inline, and refusing every URL means no text in it can
    make the renderer read a file or reach the network.
    """
    # Imported here: WeasyPrint takes half a second to import, paid by the first export only,
    # not by every process (worker, clock, CLI) that loads the app.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class _RefuseAll(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"the appendix fetches nothing ({url[:40]})")

    pdf: bytes = HTML(string=html, url_fetcher=_RefuseAll()).write_pdf(pdf_variant="pdf/ua-1")
    return pdf
