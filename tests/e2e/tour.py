"""Walk every dashboard page a signed-in user can reach and list what is not plain Chinese.

A page is reached through the navigation and the links on the pages (lists lead to a log,
a venue, a person, a conflict…); each kind of page (its path with ids and numbers taken
out, and the names of its query parameters) is read once, so a list of a thousand logs
costs one visit. What is read: the visible text, the page's title, option labels and the
words in title, placeholder, alt and aria-label attributes; a command line in ``<code>``
is code, not words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from server.demo import org
from server.demo.registry import FOREIGNERS, GIVEN, SURNAMES
from sync import vocab

UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
FIELD_KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z'’]+(?![A-Za-z0-9_])")
"""A word of two letters or more, not part of a code such as a case number (A330402…) or a user name (chief1)."""
PROPER_NOUNS = {"Beatlog", "CSV", "QR", "GPS", "ID", "UTC", "JSON", "KTV", "English", "Chrome", "HeadlessChrome",
                "iOS", *(nationality for nationality, _visa in FOREIGNERS)}
USERNAMES = {entry[0] for group in (org.ADMINS, org.CHIEFS, org.OFFICERS, org.TRAFFIC) for entry in group}
VOCABULARY_CODES = {code for labels in (vocab.ROLES, vocab.VENUE_KINDS, vocab.RISK_LEVELS, vocab.HAZARD_LEVELS,
                                        vocab.CHECK_RESULTS, vocab.INSPECTION_STATUSES, vocab.FOLLOWUP_SUBJECTS,
                                        vocab.FOLLOWUP_STATUSES, vocab.SATISFACTION, vocab.WORK_ORDER_KINDS,
                                        vocab.WORK_ORDER_STATES, vocab.WORK_ORDER_EVENTS, vocab.WORK_ORDER_OUTCOMES,
                                        vocab.CONTACT_RESULTS, vocab.URGENCIES) for code in labels}
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9X](?![0-9A-Za-z])")
DEMO_NAME = re.compile(f"演示[{SURNAMES}][{GIVEN}]")
"""A demo resident's or landlord's name (fictional: 演示, a family name, a given name); masked, only 演 shows."""
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
REGISTRY_PAGES = re.compile(r"/dashboard/(registry|personal-access)")
"""Where every mobile number is a resident's or a landlord's (a venue's page shows its contact's, not masked)."""
NOT_PAGES = re.compile(r"/logout|\.csv|/blobs/|[?&]lang=")
READ_PAGE = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) {
    if (!walker.currentNode.parentElement.closest('code, script, style')) texts.push(walker.currentNode.data);
  }
  const named = ['title', 'placeholder', 'alt', 'aria-label'];
  const attributes = [...document.querySelectorAll(named.map((name) => `[${name}]`).join(','))]
    .map((element) => named.map((name) => element.getAttribute(name) || '').join(' '));
  const options = [...document.querySelectorAll('option')].map((option) => option.textContent);
  const links = [...document.querySelectorAll('a[href]')].map((link) => link.href);
  return {text: [document.title, ...texts, ...attributes, ...options].join('\\n'), links};
}"""


@dataclass
class Finding:
    url: str
    what: str
    words: list[str]

    def __str__(self) -> str:
        return f"{self.url}: {self.what} {sorted(set(self.words))[:12]}"


@dataclass
class Tour:
    """The pages walked and what was found on them."""

    server_url: str
    visited: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    kinds: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)

    def kind_of(self, url: str) -> tuple[str, tuple[str, ...]]:
        parts = urlsplit(url)
        path = re.sub(r"/[0-9a-f]{64}", "/:sha", UUID.sub(":id", parts.path))
        return re.sub(r"/\d+(?=/|$)", "/:n", path), tuple(sorted(key for key, _ in parse_qsl(parts.query)))

    def wanted(self, url: str) -> bool:
        return url.startswith(f"{self.server_url}/dashboard") and not NOT_PAGES.search(url) \
            and self.kind_of(url.split("#")[0]) not in self.kinds

    def walk(self, page: Any, start: list[str], limit: int = 120) -> None:
        queue = [f"{self.server_url}{path}" for path in start]
        while queue and len(self.visited) < limit:
            url = queue.pop(0).split("#")[0]
            if not self.wanted(url):
                continue
            self.kinds.add(self.kind_of(url))
            answer = page.goto(url)
            self.visited.append(url)
            if answer is None or answer.status != 200:
                self.findings.append(Finding(url, f"answered {answer.status if answer else 'nothing'}", []))
                continue
            read = page.evaluate(READ_PAGE)
            self.read(url, read["text"])
            queue += [link for link in read["links"] if self.wanted(link)]

    def read(self, url: str, text: str) -> None:
        uuids = UUID.findall(text)
        keys = [key for key in FIELD_KEY.findall(UUID.sub("", text)) if key not in USERNAMES]
        words = [word for word in LATIN_WORD.findall(UUID.sub("", text))
                 if word not in PROPER_NOUNS and word not in USERNAMES]
        unmasked = RESIDENT_ID.findall(text) + DEMO_NAME.findall(text) + (
            MOBILE.findall(text) if REGISTRY_PAGES.search(url) else [])
        for what, found in (("unmasked personal data", unmasked), ("UUID shown as text", uuids),
                            ("raw field key", keys),
                            ("raw vocabulary code", [word for word in words if word in VOCABULARY_CODES]),
                            ("English words", [word for word in words if word not in VOCABULARY_CODES])):
            if found:
                self.findings.append(Finding(url, what, found))
