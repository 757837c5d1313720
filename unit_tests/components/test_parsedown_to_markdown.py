"""_html_to_markdown / _ParsedownToMarkdown: the Markdown the user typed, from the HTML Parsedown 1.7.4 made of it
(notes through line(), category eula through text()), with Parsedown's entity rule."""

import json

import pytest

from components import _html_to_markdown, _ParsedownToMarkdown
from unit_tests.components.fakes import CAPTURES, capture

INLINE = [
    pytest.param("<strong>Paid</strong> &amp; <a href=\"http://example.com/?a=1&amp;b=2\">the PO</a>",
                 "**Paid** & [the PO](http://example.com/?a=1&b=2)", id="strong-entity-link"),
    pytest.param("<em>soon</em> <del>never</del>", "*soon* ~~never~~", id="em-del"),
    pytest.param('<a href="https://example.org/auto?q=a&amp;b=c">https://example.org/auto?q=a&amp;b=c</a>',
                 "https://example.org/auto?q=a&b=c", id="autolinked-bare-url"),
    pytest.param('<a href="mailto:it@example.com">it@example.com</a>', "<it@example.com>", id="mail-autolink"),
    pytest.param('<a href="https://x.org" title="The X">X</a>', '[X](https://x.org "The X")', id="link-with-title"),
    pytest.param("run <code>a &amp;&amp; b &lt;c&gt;</code>", "run `a && b <c>`", id="code-span-decoded"),
    pytest.param('<img src="https://x.org/a.png" alt="rack" />', "![rack](https://x.org/a.png)", id="image"),
    pytest.param("line one<br />\nline two", "line one  \nline two", id="line-break-two-spaces"),
    pytest.param("R&amp;D &lt;team&gt; said &quot;ok&quot;", 'R&D <team> said "ok"', id="entities-only"),
    pytest.param("it&#039;s &nbsp;here <b>x</b>", "it&#039;s &nbsp;here **x**", id="typed-entities-stay"),
    pytest.param("plain text", "plain text", id="no-markup"),
    pytest.param("<a href=\"https://x.org\">unclosed", "unclosed", id="unclosed-link-keeps-text"),
]


@pytest.mark.parametrize("rendered, typed", INLINE)
def test_inline_html_becomes_the_markdown_typed(rendered, typed):
    assert _html_to_markdown(rendered) == typed


BLOCKS = [
    pytest.param("<h2>Terms</h2>\n<ul>\n<li>Keep it <em>safe</em></li>\n</ul>\n<pre><code class=\"language-sh\">ls\n"
                 "</code></pre>", "## Terms\n\n- Keep it *safe*\n\n```sh\nls\n```", id="eula-docstring-sample"),
    pytest.param("<p>one</p>\n<p>two</p>", "one\n\ntwo", id="paragraphs"),
    pytest.param('<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>', "3. c\n4. d", id="ordered-list-start"),
    pytest.param("<ul>\n<li>a<ul>\n<li>b</li>\n</ul></li>\n</ul>", "- a\n   - b", id="nested-list"),
    pytest.param("<blockquote>\n<p>quoted</p>\n<p>twice</p>\n</blockquote>", "> quoted\n>\n> twice", id="quote"),
    pytest.param("<p>above</p>\n<hr />\n<p>below</p>", "above\n\n---\n\nbelow", id="rule"),
    pytest.param("<pre><code>if a &lt; b &amp;&amp; c\n</code></pre>", "```\nif a < b && c\n```", id="fenced-code-decoded"),
    pytest.param("<p>a</p>\n\n\n\n<p>b</p>", "a\n\nb", id="at-most-one-blank-line"),
]


@pytest.mark.parametrize("rendered, typed", BLOCKS)
def test_block_html_becomes_the_markdown_typed(rendered, typed):
    assert _html_to_markdown(rendered) == typed


def test_newlines_in_line_output_are_the_users_own():
    # line() output has no block tag: its blank lines are what the user typed, not layout
    assert _html_to_markdown("Some <strong>markdown</strong> notes\n\n\n\nend") == "Some **markdown** notes\n\n\n\nend"


def test_a_parser_can_be_fed_in_pieces():
    parser = _ParsedownToMarkdown()
    for piece in ("<str", "ong>Pa", "id</strong> &am", "p; done"):
        parser.feed(piece)
    parser.close()
    assert parser.markdown() == "**Paid** & done"


def _captured_notes():
    stored = json.loads((CAPTURES / "_stored_values.json").read_text())
    for stream in ("hardware_tricky", "users_tricky", "models"):
        rows = {str(r["id"]): r for r in capture(stream)["body"]["rows"]}
        for want in stored[stream]:
            if isinstance(want.get("notes"), str):
                yield pytest.param(rows[want["id"]]["notes"], want["notes"], id=f"{stream}-{want['id']}")


@pytest.mark.parametrize("rendered, typed", [
    p for p in _captured_notes() if p.values[1] != "A&amp;B literal"])  # the one reading Parsedown makes ambiguous
def test_notes_of_a_real_instance_come_back_as_its_database_stores_them(rendered, typed):
    assert _html_to_markdown(rendered) == typed


def test_a_typed_entity_and_a_typed_character_arrive_alike_and_read_as_the_character():
    # The database holds "A&amp;B literal" (typed so) and "A&B" alike as "A&amp;B": one reading, the common one.
    assert _html_to_markdown("A&amp;B literal") == "A&B literal"
