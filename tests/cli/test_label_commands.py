"""The commands of a company's own labels: mailbox folders|map-folder [--remove] and folder
example add|list|remove, each one line (or one per item) out, one line of error."""

from __future__ import annotations

import json

from tests.support.cli import assert_one_line_error, invoke, ok


def _acme_with_a_garden_folder(db_url: str) -> None:
    ok(invoke("company", "add", "Acme", "--address", "support@acme.example", db=db_url))
    ok(invoke("folder", "add", "Garden", "--company", "Acme", "--description", "plants", db=db_url))


def test_an_imap_folder_is_mapped_listed_and_unmapped(db_url: str) -> None:
    _acme_with_a_garden_folder(db_url)
    added = ok(
        invoke(
            "mailbox", "add", "--company", "Acme", "--imap-host", "imap.acme.example",
            "--user", "support@acme.example", "--password-env", "ACME_PW",
            "--folder", "INBOX", "--folder", "Potager", db=db_url,
        )
    )  # fmt: skip
    box = added.split()[1]
    mapped = ok(
        invoke("mailbox", "map-folder", box, "Potager", "Garden", "--company", "Acme", db=db_url)
    )
    assert (
        mapped
        == f"IMAP folder 'Potager' of mailbox {box} mapped onto 'Garden'; 0 conversations filed\n"
    )
    listed = ok(invoke("mailbox", "folders", box, "--company", "Acme", db=db_url))
    assert listed == "INBOX\nPotager -> Garden\n"
    as_json = json.loads(
        ok(invoke("mailbox", "folders", box, "--company", "Acme", "--json", db=db_url))
    )
    assert [f["folder"] for f in as_json] == [None, "Garden"]

    lacking = invoke("mailbox", "map-folder", box, "Potager", "--company", "Acme", db=db_url)
    assert lacking.exit_code != 0
    assert_one_line_error(lacking.stderr, "--remove")
    removed = ok(
        invoke("mailbox", "map-folder", box, "Potager", "--remove", "--company", "Acme", db=db_url)
    )
    assert removed == (
        f"IMAP folder 'Potager' of mailbox {box} no longer mapped; "
        "0 conversations classified again, 0 refiled\n"
    )
    unsynced = invoke(
        "mailbox", "map-folder", box, "Spam", "Garden", "--company", "Acme", db=db_url
    )
    assert_one_line_error(unsynced.stderr, "does not sync IMAP folder 'Spam'")


def test_a_folder_example_is_added_listed_and_removed(db_url: str) -> None:
    _acme_with_a_garden_folder(db_url)
    added = ok(
        invoke(
            "folder", "example", "add", "Garden", "--company", "Acme",
            "--subject", "Zucchini", "--text", "When do I plant zucchini?", db=db_url,
        )
    )  # fmt: skip
    example_id = added.split()[1]
    assert added == f"example {example_id} added to folder 'Garden'\n"
    listed = ok(invoke("folder", "example", "list", "--company", "Acme", db=db_url))
    assert listed == f"{example_id} Garden: Zucchini\n"
    [shown] = json.loads(
        ok(invoke("folder", "example", "list", "Garden", "--company", "Acme", "--json", db=db_url))
    )
    assert (shown["subject"], shown["text"]) == ("Zucchini", "When do I plant zucchini?")
    empty = invoke("folder", "example", "add", "Garden", "--company", "Acme", db=db_url)
    assert_one_line_error(empty.stderr, "subject or a text")
    ok(invoke("folder", "example", "remove", example_id, "--company", "Acme", db=db_url))
    assert ok(invoke("folder", "example", "list", "--company", "Acme", db=db_url)) == ""
    gone = invoke("folder", "example", "remove", example_id, "--company", "Acme", db=db_url)
    assert_one_line_error(gone.stderr, f"no folder example {example_id}")
