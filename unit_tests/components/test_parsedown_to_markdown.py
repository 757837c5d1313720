"""_html_to_markdown / _ParsedownToMarkdown: the Markdown the user typed, from the HTML Parsedown 1.7.4 made of it
(notes through line(), category eula through text()), with Parsedown's entity rule."""

import json
from pathlib import Path

import pytest
import yaml

from components import _html_to_markdown, _ParsedownToMarkdown
from unit_tests.components.fakes import CAPTURES, capture

# rendered -> typed, one case per element (inline from line(), blocks from text())
RENDERED = [pytest.param(case["rendered"], case["typed"], id=case["id"])
            for case in yaml.safe_load((Path(__file__).parent.parent / "resource" / "parsedown_markdown.yaml").read_text())]


@pytest.mark.parametrize("rendered, typed", RENDERED)
def test_parsedown_html_becomes_the_markdown_typed(rendered, typed):
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
