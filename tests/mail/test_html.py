from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxsync.mail.html import MAX_TAGS, _read_text, html_to_text
from inboxsync.mail.sanitize import (
    _ALLOWED_TAGS,
    MAX_DEPTH,
    MAX_FORMATTING,
    MAX_SANITIZED_CHARS,
    sanitize_html,
)
from tests.support.timing import GROWTH, MAX_RATIO, cpu_seconds


def test_scripts_styles_and_head_are_dropped() -> None:
    html = (
        "<html><head><title>Newsletter</title><style>p { color: red }</style></head>"
        "<body><script>alert('x')</script><p>Visible</p></body></html>"
    )
    assert html_to_text(html) == "Visible"


def test_unclosed_head_does_not_swallow_the_body() -> None:
    assert html_to_text("<head><title>T<body>Still here") == "Still here"


def test_blocks_and_breaks_become_line_breaks() -> None:
    html = "<div>one</div><div>two<br>three<br/>four</div><p>para</p>after"
    assert html_to_text(html) == "one\ntwo\nthree\nfour\n\npara\n\nafter"


def test_list_items_become_bullets_and_numbers() -> None:
    html = "<ul><li>apples<li>pears</ul><ol><li>first</li><li>second</li></ol>"
    assert html_to_text(html) == "- apples\n- pears\n1. first\n2. second"


def test_links_keep_their_text() -> None:
    assert html_to_text('Read <a href="https://x.example/a">the docs</a>.') == "Read the docs."


def test_entities_are_decoded() -> None:
    assert html_to_text("Fish &amp; chips &eacute;t&#233; &lt;3&nbsp;&#x263A;") == (
        "Fish & chips été <3 ☺"
    )


def test_whitespace_is_collapsed_and_blank_runs_shortened() -> None:
    html = "<p>a   b\n  c</p><p></p><p></p><br><br><br><p>d</p>"
    assert html_to_text(html) == "a b c\n\nd"


def test_table_cells_are_separated() -> None:
    html = "<table><tr><td>Name</td><td>Qty</td></tr><tr><td>Pen</td><td>2</td></tr></table>"
    assert html_to_text(html) == "Name Qty\nPen 2"


def test_preformatted_text_keeps_its_line_breaks() -> None:
    assert html_to_text("<pre>line 1\nline 2</pre>") == "line 1\nline 2"


def test_invisible_preview_padding_is_removed() -> None:
    assert html_to_text("Sale\u200b\u034f\u200c\ufeff today") == "Sale today"


def test_malformed_markup_still_gives_text() -> None:
    html = "<p>ok<![if !supportLists]>x<![endif]><div <b>broken</p></span></table>"
    text = html_to_text(html)
    assert "ok" in text


@given(st.text())
def test_html_to_text_never_raises(html: str) -> None:
    html_to_text(html)


TAG_SOUP = ["<p>", "</p>", "<br>", "<li>", "<!--", "-->", "<![", "]]>", "<!DOCTYPE", "<?", ">",
            "<script>", "</script>", "&amp", "&#", "x", " ", "\n", "<head>", "<body>",
            "<a href='", "'>", "<"]  # fmt: skip


@given(st.lists(st.sampled_from(TAG_SOUP)))
def test_tag_soup_never_raises(parts: list[str]) -> None:
    html_to_text("".join(parts))


# Markup of every kind, unterminated constructs included (a lone `<a `, `</a`, `<?x`, quotes);
# comments and marked sections come whole: an unterminated one is read differently on purpose.
_MARKUP = [
    "<a ", "<a>", "</a", "</a>", "-->", "]]>", "]>", "<?x", ">", "<p>", "</p>", "<br>",
    "<script>", "</script>", "<style>", "text", " ", "\n", "\r\n", "&amp;", "&", "&lt", "<",
    "'", '"', "=", "x=", "/", "<!x", "<!doctype", "<li>", "<ol>", "<b c='d'>", "<pre>",
    "<!-- c -->", "<![CDATA[x]]>", "<![if x]>", "<![endif]>",
]  # fmt: skip


@given(st.lists(st.sampled_from(_MARKUP), max_size=14))
def test_text_is_what_the_stdlib_parser_reads_from_the_same_markup(pieces: list[str]) -> None:
    markup = "".join(pieces)
    assert html_to_text(markup) == _read_text(markup)


def test_unclosed_tags_after_the_last_bracket_are_text() -> None:
    assert html_to_text("<p>Hello</p>a <b and <i c='d") == "Hello\n\na <b and <i c='d"


def test_an_unterminated_comment_hides_nothing() -> None:
    assert html_to_text("<p>one<!-- two <b>three</b>") == "one<!-- two three"


def test_office_conditional_sections_stay_invisible() -> None:
    assert html_to_text("<p><![if !supportLists]>1.<![endif]> Item</p>") == "1. Item"


def test_an_unterminated_cdata_section_is_text() -> None:
    assert html_to_text("<p>a<![CDATA[b>c</p>") == "a<![CDATA[b>c"


def test_markup_past_the_tag_limit_is_not_read() -> None:
    html = "<p>kept</p>" + "<br>" * MAX_TAGS + "<p>dropped</p>"
    assert html_to_text(html) == "kept"
    assert html_to_text("<p>kept</p>" + "<br>" * 10 + "<p>also kept</p>") == "kept\n\nalso kept"


# Sanitizing: what a page may show of a sender's HTML.

INLINE = {"logo@acme.example": "/v1/messages/7/attachments/3"}
ALLOWED_SCHEMES = ("http://", "https://", "mailto:", "tel:")


# What must never come back, whatever the allow-list becomes.
DANGEROUS_TAGS = {
    "script", "style", "link", "meta", "base", "iframe", "frame", "frameset", "object",
    "embed", "applet", "form", "input", "button", "textarea", "select", "svg", "math",
    "template", "noscript", "title", "xmp", "plaintext",
}  # fmt: skip


class _Elements(HTMLParser):
    """Every start tag of sanitized output with its attributes, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_inert(html: str) -> None:
    """Nothing in `html` runs, styles the page, submits, frames or loads from elsewhere."""
    for tag, attrs in elements(html):
        assert tag in _ALLOWED_TAGS and tag not in DANGEROUS_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on") and name not in {"style", "class", "id"}, name
            if name == "href":
                assert (value or "").lower().startswith(ALLOWED_SCHEMES), value
            if name == "src":
                assert tag == "img" and value in INLINE.values(), value
        if tag == "a":
            assert (attrs["target"], attrs["rel"]) == ("_blank", "noopener noreferrer nofollow")
    lowered = html.lower()
    assert "<style" not in lowered and "<script" not in lowered


HOSTILE = {
    "script": "<p>hi</p><script>alert(1)</script><SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "script-in-svg": "<svg><script>alert(1)</script><a xlink:href='javascript:x'>y</a></svg>",
    "event-handlers": "<img src=x onerror=alert(1)><body onload=alert(2)><p onclick=x>t</p>",
    "javascript-links": (
        "<a href='javascript:alert(1)'>a</a><a href='JaVaScRiPt:alert(2)'>b</a>"
        "<a href='jav&#x09;ascript:alert(3)'>c</a><a href=' javascript:alert(4)'>d</a>"
        "<a href='vbscript:x'>e</a><a href='data:text/html,<script>alert(5)</script>'>f</a>"
    ),
    "remote-images": (
        "<img src='http://track.example/p.gif'><img src='HTTPS://track.example/q.gif'>"
        "<img src='//track.example/r.gif'><img src='\\\\track.example/s.gif'>"
        "<img src=' ht\ttp://track.example/t.gif'><image src='http://track.example/u.gif'>"
        "<img srcset='http://track.example/v.gif 2x'><table background='http://t.example/w'>"
    ),
    "css": (
        "<style>body{background:url(http://t.example/x)}</style>"
        "<p style='background:url(http://t.example/y);position:fixed'>t</p>"
        "<link rel=stylesheet href='http://t.example/z.css'><div class=x id=y>u</div>"
    ),
    "forms-frames-objects": (
        "<form action='http://evil.example'><input name=p type=password><button>Go</button>"
        "</form><iframe src='http://evil.example'></iframe><object data=x.swf></object>"
        "<embed src=x.swf><frameset><frame src=x></frameset><base href='http://evil/'>"
        "<meta http-equiv=refresh content='0;url=http://evil/'>"
    ),
    "data-urls": "<img src='data:image/png;base64,iVBORw0KGgo='><a href='data:,x'>d</a>",
    "mutation": (
        "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>"
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(2)>"
        "<!--<img src=x onerror=alert(3)>--><![CDATA[<img src=x onerror=alert(4)>]]>"
        "<textarea><script>alert(5)</script></textarea><title><img src=x onerror=alert(6)>"
    ),
    "forged-remote-src": "<img data-remote-src='javascript:alert(1)' src='cid:nope'>",
    "cid-link": "<a href='cid:logo@acme.example'>x</a>",
    "relative-links": "<a href=''>a</a><a href='/api/keys'>b</a><a href='?x'>c</a><a href=#d>d</a>",
    "relative-image": "<img src='/v1/messages/7/attachments/3'><img src='logo.png'>",
}  # fmt: skip


@pytest.mark.parametrize("html", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_html_comes_back_inert(html: str) -> None:
    assert_inert(sanitize_html(html, INLINE).html)


def test_the_issues_message_keeps_its_text_and_loses_scripts_handlers_links_images_and_css() -> (
    None
):
    html = (
        "<html><head><style>p { color: red }</style></head>"
        "<body onload='steal()'><p style='color:red'>Your invoice "
        "<a href='javascript:steal()'>is here</a>.</p>"
        "<img src='https://track.example/open.gif' width='1'><script>steal()</script></body></html>"
    )
    result = sanitize_html(html)
    assert result.html == (
        '<p>Your invoice <a target="_blank" rel="noopener noreferrer nofollow">is here</a>.</p>'
        '<img data-remote-src="https://track.example/open.gif" width="1">'
    )
    assert result.remote_images == 1


def test_ordinary_formatting_survives() -> None:
    html = (
        "<h2>Order</h2><p>Dear <b>Ann</b>, <i>thanks</i> &amp; <u>welcome</u>.<br>Line</p>"
        "<ul><li>one</li></ul><ol start='3'><li>three</li></ol>"
        "<blockquote>quoted</blockquote><pre>a  b</pre>"
        '<table width="100%"><tr><td colspan="2" align="right">cell</td></tr></table>'
        '<p><a href="https://acme.example/o?id=1&amp;x=2" title="t">link</a> '
        '<a href="mailto:ann@acme.example">mail</a></p>'
        '<img src="cid:logo@acme.example" alt="logo" width="40">'
    )
    assert sanitize_html(html, INLINE).html == (
        "<h2>Order</h2><p>Dear <b>Ann</b>, <i>thanks</i> &amp; <u>welcome</u>.<br>Line</p>"
        '<ul><li>one</li></ul><ol start="3"><li>three</li></ol>'
        "<blockquote>quoted</blockquote><pre>a  b</pre>"
        '<table width="100%"><tbody><tr><td colspan="2" align="right">cell</td></tr></tbody>'
        "</table>"
        '<p><a href="https://acme.example/o?id=1&amp;x=2" title="t" target="_blank" '
        'rel="noopener noreferrer nofollow">link</a> '
        '<a href="mailto:ann@acme.example" target="_blank" '
        'rel="noopener noreferrer nofollow">mail</a></p>'
        '<img src="/v1/messages/7/attachments/3" alt="logo" width="40">'
    )


def test_each_remote_image_is_counted_and_kept_for_show_images() -> None:
    result = sanitize_html(HOSTILE["remote-images"])
    images = [attrs for tag, attrs in elements(result.html) if tag == "img"]
    sources = [attrs.get("data-remote-src") for attrs in images]
    assert sources == [
        "http://track.example/p.gif",
        "HTTPS://track.example/q.gif",
        "https://track.example/r.gif",
        "https://track.example/s.gif",
        "http://track.example/t.gif",
        "http://track.example/u.gif",
        None,
    ]
    assert result.remote_images == 6


def test_an_unknown_inline_image_and_a_forged_remote_src_show_nothing() -> None:
    result = sanitize_html(HOSTILE["forged-remote-src"] + "<img src='cid:other'>", INLINE)
    assert (result.html, result.remote_images) == ("<img><img>", 0)


def test_a_percent_encoded_content_id_finds_its_part() -> None:
    html = sanitize_html("<img src='cid:logo%40acme.example'>", INLINE).html
    assert html == '<img src="/v1/messages/7/attachments/3">'


def test_links_cannot_choose_their_own_target_or_rel() -> None:
    html = sanitize_html("<a href='https://x.example' target='_self' rel='opener'>x</a>").html
    assert html == (
        '<a href="https://x.example" target="_blank" rel="noopener noreferrer nofollow">x</a>'
    )


def test_text_stays_text() -> None:
    html = "<p>1 &lt; 2 &amp; &lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot;</p>"
    assert sanitize_html(html).html == (
        '<p>1 &lt; 2 &amp; &lt;script&gt;alert(1)&lt;/script&gt; "q"</p>'
    )


def test_markup_past_the_nesting_bounds_keeps_its_text() -> None:
    deep = "<div>" * (MAX_DEPTH + 50) + "deep text" + "</div>" * (MAX_DEPTH + 50)
    assert html_to_text(sanitize_html(deep).html) == "deep text"
    fonts = "".join(f"<font size={i}>w{i} " for i in range(MAX_FORMATTING + 20))
    kept = sanitize_html(fonts).html
    assert html_to_text(kept).split() == [f"w{i}" for i in range(MAX_FORMATTING + 20)]
    assert kept.count("<font") == MAX_FORMATTING


def test_input_past_the_size_limit_is_not_read() -> None:
    html = "<p>" + "x" * MAX_SANITIZED_CHARS + "</p><p>dropped</p>"
    assert "dropped" not in sanitize_html(html).html


HOSTILE_PIECES = [
    *TAG_SOUP, *_MARKUP, "<img src='http://t.example/x'>", "<img src=cid:logo@acme.example>",
    "<a href='javascript:x'>", "<a href=https://ok.example>", "</a>", " onclick=x ", "<svg>",
    "<math>", "<select>", "<table>", "<td>", "<tr>", "</table>", "<li>", "<ul>", "<div>",
    "</div>", "<span>", "</span>", "<b x=1>", "<b x=2>", "</b>", "<font color=red>", "<style>",
    "</style>", "<noscript>", "</noscript>", "<textarea>", "<title>", "<iframe>", "<form>",
    "<image src=//t.example>", "style='x:y'", "<p/>", "<div/>", "<!-->", "--!>", "<plaintext>",
]  # fmt: skip


@given(st.lists(st.sampled_from(HOSTILE_PIECES), max_size=60))
def test_any_soup_of_hostile_pieces_comes_back_inert(pieces: list[str]) -> None:
    assert_inert(sanitize_html("".join(pieces), INLINE).html)


# Shapes that cost html5ever's tree builder quadratic time or output (see mail/html.py); each
# must grow linearly, as in tests/mail/test_linear_time.py.
QUADRATIC_FOR_HTML5EVER = [
    pytest.param(lambda n: "<div>" * n, 5_000, id="nested-divs"),
    pytest.param(lambda n: "<li><ul>" * n, 3_000, id="nested-lists"),
    pytest.param(lambda n: "<span><div></span>" * n, 3_000, id="misnested-spans"),
    pytest.param(lambda n: "".join(f"<p><b x={i}>x</p>" for i in range(n)), 3_000, id="open-b"),
    pytest.param(lambda n: "".join(f"<font color={i}>x<p>" for i in range(n)), 3_000, id="fonts"),
    pytest.param(lambda n: "<table><td><div>" * n, 2_000, id="nested-cells"),
    pytest.param(lambda n: "<div><select></div><select>" * n, 2_000, id="select-escapes"),
]


@pytest.mark.parametrize(("make", "n"), QUADRATIC_FOR_HTML5EVER)
def test_sanitizing_cost_grows_linearly(make: Callable[[int], str], n: int) -> None:
    small, large = make(n), make(GROWTH * n)
    ratio = cpu_seconds(lambda: sanitize_html(large)) / cpu_seconds(lambda: sanitize_html(small))
    assert ratio < MAX_RATIO, f"{GROWTH}x the input cost {ratio:.1f}x the time"
