"""Who counts as the same person and the same company."""

from __future__ import annotations

from lead_svc.domain.identity import (
    company_key,
    normalise_company_name,
    normalise_email,
    person_key,
)


def test_addresses_are_compared_trimmed_and_lower_cased() -> None:
    assert normalise_email("  Ada@Engines.Example ") == "ada@engines.example"
    assert person_key("  Ada@Engines.Example ") == person_key("ada@engines.example")


def test_gmail_ignores_dots_and_plus_tags_and_googlemail_is_gmail() -> None:
    assert person_key("Ada.Lovelace+news@GoogleMail.com") == "adalovelace@gmail.com"
    assert person_key("adalovelace@gmail.com") == "adalovelace@gmail.com"


def test_plus_tags_elsewhere_are_different_mailboxes() -> None:
    assert person_key("ada+a@engines.example") != person_key("ada+b@engines.example")
    assert person_key("a.da@engines.example") != person_key("ada@engines.example")


def test_company_names_lose_legal_suffixes_punctuation_and_case() -> None:
    assert normalise_company_name("Analytical Engines, Ltd.") == "analytical engines"
    assert normalise_company_name("ANALYTICAL ENGINES LIMITED") == "analytical engines"
    assert normalise_company_name("Müller & Söhne GmbH") == "muller and sohne"
    assert normalise_company_name("Acme Inc") == normalise_company_name("acme, LLC")


def test_a_lone_suffix_word_is_kept_as_the_name() -> None:
    assert normalise_company_name("Company") == "company"


def test_business_addresses_identify_the_company_by_domain() -> None:
    assert company_key("ada@Engines.Example", "Whatever Ltd") == "domain:engines.example"


def test_free_mail_addresses_identify_the_company_by_its_name() -> None:
    assert company_key("ada@gmail.com", "Analytical Engines Ltd") == "name:analytical engines"
