"""Reading the dashboard's HTML pages in integration tests."""

from __future__ import annotations

import html as markup
import re
import xml.etree.ElementTree as ET

from flask.testing import FlaskClient

from service.resources.dashboard.chart import SVG_NAMESPACE

SVG = f"{{{SVG_NAMESPACE}}}"
ROW = re.compile(r'<tr class="model-row" data-model="([^"]+)">(.*?)</tr>', re.S)


def page(client: FlaskClient, path: str = "/", status: int = 200) -> str:
    """The HTML of a page answered with status."""
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.mimetype == "text/html"
    return response.text


def model_rows(html: str) -> dict[str, str]:
    """The leaderboard's model rows by signature, in the page's order."""
    return {model: cells for model, cells in ROW.findall(html)}


def text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def cell(row: str, name: str) -> str:
    """The visible text of a row's cell of class name (as in <td class="num name">)."""
    found = re.search(rf'<td class="[^"]*\b{name}\b[^"]*">(.*?)</td>', row, re.S)
    assert found, f"no {name} cell in the row"
    return text(found.group(1))


def element(html: str, element_id: str) -> str:
    """The inner HTML of the page's element with that id (not holding one of its own kind)."""
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no element {element_id}"
    return found.group(2)


def section(html: str, section_id: str) -> str:
    """The HTML of the page's <section id=...>."""
    found = re.search(rf'<section[^>]*id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert found, f"no section {section_id}"
    return found.group(1)


def money(value: float) -> str:
    """A value as the pages show it."""
    return f"${value:,.2f}"


def charts(html: str) -> list[ET.Element]:
    """The equity charts of a page (wide, then compact for phones), parsed as XML."""
    found = re.findall(r'<svg xmlns="[^"]+" class="equity-chart".*?</svg>', html, re.S)
    return [ET.fromstring(svg) for svg in found]


def chart(html: str) -> ET.Element:
    """The wide equity chart of a page."""
    found = charts(html)
    assert found, "no chart on the page"
    return found[0]
