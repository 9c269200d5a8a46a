"""Zero-shot filing from folder descriptions: the text embedded of a conversation, phrases of
a description, scores as mean cosines centred on the company's mail, the folder side embedded
once (the accuracy on the labeled sets is held in test_local.py)."""

from __future__ import annotations

import numpy as np

from inboxsync.ai.embeddings import Matrix
from inboxsync.ai.types import FolderDef
from inboxsync.ai.zero_shot import (
    ITEM_CHARS,
    folder_texts,
    item_text,
    phrases,
    similarities,
)

_VOCABULARY = ["hello", "question", "invoice", "parcel", "password"]


class WordEmbedder:
    """Bags of a five-word vocabulary, L2-normalized (other words ignored), counting the
    texts it embeds."""

    cacheable = False

    def __init__(self, name: str) -> None:
        self.name = name  # the memo of query vectors is keyed by it: one per test
        self.embedded = 0

    def _embed(self, texts: list[str]) -> Matrix:
        self.embedded += len(texts)
        out = np.zeros((len(texts), len(_VOCABULARY)), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace(":", " ").split():
                if word in _VOCABULARY:
                    out[row, _VOCABULARY.index(word)] += 1
        unit: Matrix = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return unit

    def passages(self, texts: list[str]) -> Matrix:
        return self._embed(texts)

    def queries(self, texts: list[str]) -> Matrix:
        return self._embed(texts)


def test_item_text_drops_the_salutation_and_the_forwarded_message() -> None:
    text = "Dear billing team, I was charged twice. -----Original Message----- From: x"
    assert item_text("Invoice", text) == "Invoice\nI was charged twice."
    spanish = "Estimado equipo de soporte, Estoy escribiendo por una factura."
    assert item_text("", spanish) == "Estoy escribiendo por una factura."
    assert item_text("Re: lunch", "Steve, Any thoughts?") == "Re: lunch\nAny thoughts?"


def test_item_text_keeps_a_first_clause_that_is_no_salutation_and_a_bare_forward() -> None:
    assert item_text("", "My printer, which I bought here, broke.") == (
        "My printer, which I bought here, broke."
    )
    forward = "---------- Forwarded message ---------- From: a@b.c Subject: the board meeting"
    assert item_text("Fwd: board", forward) == f"Fwd: board\n{forward}"


def test_item_text_is_cut_to_its_length() -> None:
    assert len(item_text("subject", "word " * 200)) == ITEM_CHARS


def test_a_description_is_split_into_phrases_each_under_the_folder_name() -> None:
    folder = FolderDef(1, "billing", "Invoices, charges or refunds of money")
    assert folder_texts(folder) == [
        "billing: Invoices, charges or refunds of money",
        "billing: Invoices",
        "billing: charges",
        "billing: refunds of money",
    ]
    assert folder_texts(FolderDef(2, "misc_stuff", "")) == ["misc stuff"]


def test_phrases_split_at_the_conjunctions_of_the_descriptions_languages() -> None:
    assert phrases("Factures, paiements ou remboursements") == [
        "Factures",
        "paiements",
        "remboursements",
    ]
    assert phrases("Rechnungen und Zahlungen; Mahnungen") == [
        "Rechnungen",
        "Zahlungen",
        "Mahnungen",
    ]
    assert phrases("Placing, changing, and cancellation fees") == [
        "Placing",
        "changing",
        "cancellation fees",
    ]


def test_a_folder_is_scored_by_the_mean_cosine_of_its_texts() -> None:
    embedder = WordEmbedder("words-mean")
    folders = [FolderDef(1, "x", "invoice or parcel"), FolderDef(2, "y", "password")]
    vectors = embedder.passages(["invoice", "parcel password"])
    scores = similarities(embedder, folders, vectors, background=vectors[:0])
    for col, folder in enumerate(folders):
        expected = (vectors @ embedder.queries(folder_texts(folder)).T).mean(axis=1)
        assert np.allclose(scores[:, col], expected)


def test_a_folder_described_in_words_all_mail_uses_loses_its_pull_against_the_companys_mail() -> (
    None
):
    embedder = WordEmbedder("words-centre")
    folders = [FolderDef(1, "general", "hello question"), FolderDef(2, "billing", "invoice")]
    mail = embedder.passages([f"hello question {w}" for w in ("invoice", "parcel", "password")])
    uncentred = similarities(embedder, folders, mail[:1], background=mail[:0])
    assert int(uncentred.argmax()) == 0  # the generic folder wins everything
    company = np.repeat(mail, 16, axis=0)
    centred = similarities(embedder, folders, mail[:1], background=company)
    assert int(centred.argmax()) == 1


def test_a_lone_conversation_is_barely_centred_on_itself() -> None:
    embedder = WordEmbedder("words-alone")
    folders = [FolderDef(1, "general", "hello question"), FolderDef(2, "billing", "invoice")]
    one = embedder.passages(["hello question invoice"])
    alone = similarities(embedder, folders, one)
    assert np.allclose(alone, similarities(embedder, folders, one, background=one[:0]) * 16 / 17)


def test_the_folder_texts_are_embedded_once_across_batches() -> None:
    embedder = WordEmbedder("words-once")
    folders = [FolderDef(1, "billing", "invoice, parcel"), FolderDef(2, "account", "password")]
    expected = len({t for f in folders for t in folder_texts(f)})
    for batch in (["invoice"], ["parcel", "password"]):
        vectors = embedder.passages(batch)
        before = embedder.embedded
        assert similarities(embedder, folders, vectors).shape == (len(batch), 2)
        expected -= embedder.embedded - before
    assert expected == 0
    assert similarities(embedder, folders, embedder.passages([]).reshape(0, 5)).shape == (0, 2)
