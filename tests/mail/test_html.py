from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from inboxsync.mail.html import MAX_TAGS, _read_text, html_to_text


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
