"""The one check that words a model quotes are really in the text it quotes."""

from __future__ import annotations

from app.services.quotes import verified_quote

RESUME = "Led the migration of 30 services to Kubernetes; cut deploy time from 2 hours to 10 minutes."


def test_a_quote_matches_whole_words_in_order() -> None:
    assert (
        verified_quote('  "led the MIGRATION of 30  services"  ', RESUME)
        == "led the MIGRATION of 30 services"
    )
    assert verified_quote("deploy time from 2 hours", RESUME) == "deploy time from 2 hours"
    # Words the source has, but not in this order; and a match only inside longer words.
    assert verified_quote("the migration led of 30", RESUME) is None
    assert verified_quote("ed the migrat", RESUME) is None


def test_too_few_words_or_a_template_placeholder_prove_nothing() -> None:
    assert verified_quote("Kubernetes", RESUME) is None
    assert verified_quote("...", RESUME) is None
    assert verified_quote("", RESUME) is None
