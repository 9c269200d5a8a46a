"""HTML mail sanitized for display: what a page may show of a message's HTML (nh3)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import unquote

import nh3

from inboxsync.mail.html import FastParser, defuse_unterminated

# Sanitizing. nh3 (ammonia over html5ever) decides what is safe. Its tree builder, like a
# browser's, scans the stack of open elements and the list of active formatting elements
# for most tags: 100,000 nested <div> take it 33 s, and 10,000 distinct unclosed <b> inside
# paragraphs 146 s and 350 MB of output. So the markup first goes through the stdlib parser
# once (`_BoundedMarkup`): every token re-serialized canonically (html5ever then reads
# exactly those tokens), with a model of html5ever's stack that never pops what html5ever
# would keep; a start tag past MAX_DEPTH open elements or MAX_FORMATTING unclosed formatting
# elements is dropped (its text stays). Safety never rests on that pass: nh3 runs last.
MAX_SANITIZED_CHARS = 1_000_000
MAX_DEPTH = 200
MAX_FORMATTING = 12

_VOID = frozenset(
    {"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
     "keygen", "link", "meta", "param", "source", "track", "wbr"}
)  # fmt: skip
# Elements html5ever merges into the one it has, never nesting them.
_UNNESTED = frozenset({"html", "head", "body"})
# Dropped with their content before html5ever: nh3 would drop them too, and each switches the
# tree builder to rules of its own (foreign content, select, raw text, templates, frames).
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "svg", "math", "select", "template", "textarea", "title", "iframe",
     "object", "applet", "noscript", "noembed", "noframes", "frameset", "xmp", "plaintext"}
)  # fmt: skip
_FORMATTING = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
     "u"}
)  # fmt: skip
_MARKERS = frozenset({"td", "th", "caption", "marquee"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_TABLE_PARTS = frozenset({"tbody", "thead", "tfoot", "tr", "td", "th", "caption", "colgroup"})
_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "button", "center", "details", "dialog",
     "dir", "div", "dl", "dd", "dt", "fieldset", "figcaption", "figure", "footer", "header",
     "hgroup", "listing", "main", "marquee", "menu", "nav", "ol", "pre", "search", "section",
     "summary", "ul"} | _HEADINGS
)  # fmt: skip
_CLOSES_P = (_BLOCK_TAGS - {"button", "marquee"}) | {"p", "li"}
_CELL_GROUPS = {
    "td": ("td", "th"),
    "th": ("td", "th"),
    "tr": ("tr",),
    **dict.fromkeys(("tbody", "thead", "tfoot"), ("tbody", "thead", "tfoot")),
}
_NEVER_CLOSED = _VOID | _UNNESTED | {"form"}
# The HTML standard's "special" elements that this pass lets nest (and a few that were), and
# its scopes.
_SPECIAL = _BLOCK_TAGS | _TABLE_PARTS | {"table", "p", "li", "form", "isindex", "menuitem"}
_SCOPE = ("table", "td", "th", "caption", "marquee")
_BUTTON_SCOPE = (*_SCOPE, "button")
_LIST_SCOPE = (*_SCOPE, "ol", "ul")
_TABLE_SCOPE = ("table",)


class _BoundedMarkup(FastParser):
    """Markup re-serialized token by token with html5ever's nesting bounded (see above)."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.stack: list[str] = []
        self.positions: defaultdict[str, list[int]] = defaultdict(list)
        self.specials: list[int] = []
        # html5ever's active formatting elements, and where each open cell's marker is.
        self.formatting: list[str] = []
        self.markers: list[int] = []
        self.dropped: Counter[str] = Counter()
        self.skipping = ""
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            self.skip_depth += tag == self.skipping
        elif tag in _DROPPED_WITH_CONTENT:
            self.skipping, self.skip_depth = tag, 1
        elif tag.isascii() and tag.isalnum():
            tag = "img" if tag == "image" else tag
            if tag not in _VOID and tag not in _UNNESTED and not self._opened(tag):
                self.dropped[tag] += 1
                return
            self.out.append(f"<{tag}{_attributes(tag, attrs)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # html5ever ignores the slash of <div/>

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skip_depth -= tag == self.skipping
            self.skipping = self.skipping if self.skip_depth else ""
        elif self.dropped[tag]:
            self.dropped[tag] -= 1
        elif tag.isascii() and tag.isalnum() and tag not in _NEVER_CLOSED:
            closed = self._closable(tag)
            if closed is not None:
                self._pop_to(closed)
            if tag in _FORMATTING and (closed is not None or not self.positions[tag]):
                self._forget_formatting(tag)
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(escape(data, quote=False))

    def _opened(self, tag: str) -> bool:
        """Push `tag` on the model's stack after the closes it implies; False to drop it (and
        then close nothing: html5ever will not see it)."""
        open_formatting = len(self.formatting) - (self.markers[-1] if self.markers else 0)
        if (
            len(self.stack) >= MAX_DEPTH
            or (tag in _FORMATTING and open_formatting >= MAX_FORMATTING)
            or (tag in _TABLE_PARTS and not self.positions["table"])  # ignored outside a table
        ):
            return False
        self._close_implied(tag)
        self.positions[tag].append(len(self.stack))
        if tag in _SPECIAL:
            self.specials.append(len(self.stack))
        self.stack.append(tag)
        if tag in _FORMATTING:
            self.formatting.append(tag)
        elif tag in _MARKERS:
            self.markers.append(len(self.formatting))
        return True

    def _close_implied(self, tag: str) -> None:
        closed: list[int | None] = []
        if tag in {"li", "dd", "dt"}:
            closed.append(self._list_item(("li",) if tag == "li" else ("dd", "dt")))
        elif tag in _CELL_GROUPS:
            closed.extend(self._in_scope(name, _TABLE_SCOPE) for name in _CELL_GROUPS[tag])
        found = [position for position in closed if position is not None]
        if found:
            self._pop_to(max(found))
        if tag in _CLOSES_P:
            position = self._in_scope("p", _BUTTON_SCOPE)
            if position is not None:
                self._pop_to(position)
        if tag in _HEADINGS and self.stack and self.stack[-1] in _HEADINGS:
            self._pop_to(len(self.stack) - 1)

    def _list_item(self, names: tuple[str, ...]) -> int | None:
        for position in reversed(self.specials):
            if self.stack[position] in names:
                return position
            if self.stack[position] not in {"address", "div", "p"}:
                return None
        return None

    def _in_scope(self, tag: str, boundaries: tuple[str, ...]) -> int | None:
        positions = self.positions.get(tag)
        if not positions:
            return None
        at = positions[-1]
        blocked = any(self.positions[b] and self.positions[b][-1] > at for b in boundaries)
        return None if blocked else at

    def _closable(self, tag: str) -> int | None:
        """Where the end tag `tag` cuts the model's stack, if html5ever surely closes it."""
        if tag == "p":
            return self._in_scope(tag, _BUTTON_SCOPE)
        if tag == "li":
            return self._in_scope(tag, _LIST_SCOPE)
        if tag in _TABLE_PARTS or tag == "table":
            return self._in_scope(tag, _TABLE_SCOPE)
        if tag in _BLOCK_TAGS:
            return self._in_scope(tag, _SCOPE)
        at = self.positions[tag][-1] if self.positions[tag] else None
        return at if at is not None and (not self.specials or self.specials[-1] <= at) else None

    def _pop_to(self, position: int) -> None:
        while len(self.stack) > position:
            name = self.stack.pop()
            self.positions[name].pop()
            if self.specials and self.specials[-1] == len(self.stack):
                self.specials.pop()
            if name in _MARKERS and self.markers:
                del self.formatting[self.markers.pop() :]

    def _forget_formatting(self, tag: str) -> None:
        for index in range(
            len(self.formatting) - 1, self.markers[-1] - 1 if self.markers else -1, -1
        ):
            if self.formatting[index] == tag:
                del self.formatting[index]
                return


def _remote_url(value: str) -> str | None:
    """The absolute http(s) URL a browser would fetch for an `img` src of `value`, else None."""
    url = "".join(c for c in value if c not in "\t\n\r").strip("".join(map(chr, range(33))))
    url = url.replace("\\", "/")
    if url.startswith("//"):
        url = "https:" + url
    return url if url.lower().startswith(("http://", "https://")) else None


def _attributes(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    parts = []
    for name, value in attrs:
        if not name.replace("-", "").replace("_", "").isalnum() or not name.isascii():
            continue
        if tag == "img" and name == "data-remote-src":
            continue  # only this pass writes it
        if tag == "img" and name == "src" and value and _remote_url(value):
            name = "data-remote-src"
        parts.append(f' {name}="{escape(value or "")}"')
    return "".join(parts)


_ALLOWED_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "big", "blockquote", "br", "caption", "center", "cite",
    "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "font", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "wbr",
}  # fmt: skip
_CELL_ATTRIBUTES = {"colspan", "rowspan", "valign", "width", "height"}
_ALLOWED_ATTRIBUTES = {
    "*": {"title", "dir", "lang", "align"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "data-remote-src"},
    "table": {"width", "cellpadding", "cellspacing", "border"},
    "td": _CELL_ATTRIBUTES,
    "th": _CELL_ATTRIBUTES,
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type"},
}
# nh3 checks these before the attribute filter sees a URL; `cid:` reaches it only for images.
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_CLEAN_CONTENT = set(_DROPPED_WITH_CONTENT)


@dataclass(frozen=True, slots=True)
class SanitizedHtml:
    """HTML safe to show: no script, style, form or frame, no active URL, no remote image
    (each one's URL is kept as `data-remote-src`, counted in `remote_images`)."""

    html: str
    remote_images: int


def sanitize_html(html: str, inline_urls: Mapping[str, str] | None = None) -> SanitizedHtml:
    """Return `html` made safe to display: an allow-list of formatting tags and attributes,
    links opening apart (`target="_blank"`, `rel="noopener noreferrer nofollow"`), no CSS.

    An image `cid:X` gets the URL `inline_urls[X]` (the caller's URL of that inline part) or
    no src. Bounded work: only the first MAX_SANITIZED_CHARS are read, nesting is capped.
    """
    urls = inline_urls or {}
    inline_targets = set(urls.values())
    remote = 0

    def allowed(tag: str, attribute: str, value: str) -> str | None:
        nonlocal remote
        if tag == "img" and attribute == "src":
            return urls.get(unquote(value[4:])) if value[:4].lower() == "cid:" else None
        if tag == "img" and attribute == "data-remote-src":
            url = _remote_url(value)
            remote += url is not None
            return url
        if attribute == "href" and value[:4].lower() == "cid:":
            return None
        return value

    bounded = _BoundedMarkup()
    try:
        bounded.feed(defuse_unterminated(html[:MAX_SANITIZED_CHARS]))
        bounded.close()
    except Exception:
        # The stdlib parser has raised on malformed declarations; keep what was read so far.
        pass
    cleaned = nh3.clean(
        "".join(bounded.out),
        tags=_ALLOWED_TAGS,
        clean_content_tags=_CLEAN_CONTENT,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=allowed,
        url_schemes=_URL_SCHEMES,
        # A mail's relative URL would point into the page showing it; only the caller's
        # inline URLs (put there by `allowed`) may be relative.
        url_relative=lambda url: url if url in inline_targets else None,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    )
    return SanitizedHtml(cleaned, remote)
