"""An HTML mail body made readable: its plain text, with the standard library's HTML parser
(the markup sanitized for display is mail/sanitize.py's)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
        "tbody", "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr"})
_CELLS = frozenset({"td", "th"})
# Invisible characters newsletters use to pad preview text.
_INVISIBLE = re.compile("[\u00ad\u034f\u200b-\u200d\u2060\ufeff]")
# Markup past this many tags is not read for text (see `_first_tags`).
MAX_TAGS = 100_000
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_RUNS = re.compile(r"\n{3,}")
# Where the stdlib parser (html.parser, _markupbase) ends a comment or a marked section.
_DECLARATION = re.compile(r"<!(?:--|\[)")
_COMMENT_END = re.compile(r"--\s*>")
_SECTION_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*")
_SECTION_ENDS = {
    **dict.fromkeys(("temp", "cdata", "ignore", "include", "rcdata"), re.compile(r"\]\s*\]\s*>")),
    # Office's conditional sections: <![if !supportLists]> … <![endif]>
    **dict.fromkeys(("if", "else", "endif"), re.compile(r"\]\s*>")),
}


class FastParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def updatepos(self, i: int, j: int) -> int:
        # Positions (getpos) are never read: not counting lines saves a tenth of the time.
        return j


class _TextExtractor(FastParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping: dict[str, int] = {}
        self.pre_depth = 0
        self.lists: list[list[int]] = []
        # Block boundaries ask for line breaks; adjacent ones merge instead of adding up.
        self.pending_breaks = 0
        self.trailing_breaks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping[tag] = self.skipping.get(tag, 0) + 1
        elif tag == "body":
            # An unclosed <head> or <title> must not swallow the whole body.
            self.skipping.pop("head", None)
            self.skipping.pop("title", None)
        elif tag == "br":
            self._line_break()
        elif tag == "li":
            self._list_item()
        elif tag in _CELLS:
            self._emit(" ")
        elif tag in _BLOCKS:
            self._block(tag)
            if tag == "pre":
                self.pre_depth += 1
            elif tag == "ol":
                self.lists.append([0])
            elif tag == "ul":
                self.lists.append([-1])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._line_break()
        elif tag in _BLOCKS:
            self._block(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            count = self.skipping.get(tag, 0) - 1
            if count > 0:
                self.skipping[tag] = count
            else:
                self.skipping.pop(tag, None)
        elif tag in _BLOCKS:
            self._block(tag)
            if tag == "pre" and self.pre_depth:
                self.pre_depth -= 1
            elif tag in {"ol", "ul"} and self.lists:
                self.lists.pop()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre_depth:
            self._emit(data.replace("\r\n", "\n").replace("\r", "\n"))
        else:
            self._emit(_SPACES.sub(" ", data.replace("\n", " ").replace("\r", " ")))

    def _emit(self, text: str) -> None:
        if not text or (text.isspace() and "\n" not in text and self.pending_breaks):
            return
        if self.pending_breaks and self.parts:
            self.parts.append("\n" * max(0, self.pending_breaks - self.trailing_breaks))
        self.pending_breaks = 0
        self.parts.append(text)
        stripped = text.rstrip("\n")
        if stripped:
            self.trailing_breaks = len(text) - len(stripped)
        else:
            self.trailing_breaks += len(text)

    def _line_break(self) -> None:
        if self.pending_breaks:
            self._emit("\n")
        else:
            self.parts.append("\n")
            self.trailing_breaks += 1

    def _block(self, tag: str) -> None:
        self.pending_breaks = max(self.pending_breaks, 2 if tag in _PARAGRAPHS else 1)

    def _list_item(self) -> None:
        self.pending_breaks = max(self.pending_breaks, 1)
        counter = self.lists[-1] if self.lists else [-1]
        if counter[0] >= 0:
            counter[0] += 1
            self._emit(f"{counter[0]}. ")
        else:
            self._emit("- ")


def _last_start(pattern: re.Pattern[str], text: str) -> int:
    last = -1
    for match in pattern.finditer(text):
        last = match.start()
    return last


def defuse_unterminated(html: str) -> str:
    """Return `html` with `&lt;` for each `<` whose construct never ends; the text is the same.

    At the end of its input the stdlib parser reads such a `<` as text, but only after
    searching the rest of the input for the construct's end, once per `<`: quadratic (31 s
    for 40 KB of `<a `). Tags, end tags, declarations and processing instructions end at a
    `>`; comments at `-->`; marked sections at `]]>`, or `]>` for Office's.
    """
    last_gt = html.rfind(">")
    head, tail = html[: last_gt + 1], html[last_gt + 1 :]
    if "<!" in head:
        last_ends: dict[re.Pattern[str], int] = {}

        def defuse(match: re.Match[str]) -> str:
            opener, start = match.group(), match.start()
            if opener == "<!--":
                end, skip = _COMMENT_END, 4
            else:
                name = _SECTION_NAME.match(head, start + 3)
                found = _SECTION_ENDS.get(name.group().lower()) if name else None
                if found is None:
                    return opener  # the parser gives up on the rest of the input right there
                end, skip = found, 3
            if end not in last_ends:
                last_ends[end] = _last_start(end, head)
            return opener if last_ends[end] >= start + skip else "&lt;" + opener[1:]

        head = _DECLARATION.sub(defuse, head)
    return head + tail.replace("<", "&lt;")


def html_to_text(html: str) -> str:
    """Return the visible text of `html`: blocks and `<br>` as line breaks, lists as `- ` items.

    Scripts, styles and the head are dropped, entities decoded, blank-line runs collapsed.
    Never raises; malformed markup gives whatever text was read. Linear in the input, and
    only the markup before the MAX_TAGS-th `<` is read.
    """
    return _read_text(defuse_unterminated(_first_tags(html)))


def _first_tags(html: str) -> str:
    """`html` up to its MAX_TAGS-th `<`: the stdlib parser costs about 2 µs a tag, so 1 MB of
    bare tags would take 0.7 s; a long newsletter has a few thousand."""
    if html.count("<") <= MAX_TAGS:
        return html
    cut = -1
    for _ in range(MAX_TAGS):
        cut = html.find("<", cut + 1)
    return html[:cut]


def _read_text(markup: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except Exception:
        # The stdlib parser has raised on malformed declarations; keep what was read so far.
        pass
    text = _INVISIBLE.sub("", "".join(extractor.parts)).replace("\xa0", " ")
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
