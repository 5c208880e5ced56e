"""The everyday-address fast path of e-mail validation agrees with email-validator."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic.networks import validate_email

from l2c_schemas.lead import LeadSubmitted, _plain_email

ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
LABEL = "abzAZ09-"
# Mostly well-formed pieces, so that many addresses are valid and the property bites; the
# odd empty part, edge hyphen, IDNA label and special-use name among them.
local_parts = st.lists(st.text(ATEXT, min_size=1, max_size=12), min_size=1, max_size=3).map(
    ".".join
)
labels = st.one_of(
    st.text(LABEL, min_size=1, max_size=10),
    st.sampled_from(["", "xn--bcher-kva", "ab--cd", "0---0", "a--", "-a", "a-"]),
)
tlds = st.one_of(
    st.text("acmXZ", min_size=2, max_size=5),
    st.text("acm1-", min_size=1, max_size=3),
    st.sampled_from(["test", "local", "localhost", "onion", "arpa", "invalid", "example", "1"]),
)
domains = st.tuples(st.lists(labels, min_size=0, max_size=3), tlds).map(
    lambda parts: ".".join([*parts[0], parts[1]])
)
addresses = st.tuples(local_parts, domains).map("@".join)
noise = st.text('aZ0.-@_+ <>"é', max_size=24)


def full_path(value: str) -> str | None:
    try:
        return validate_email(value)[1]
    except ValueError:
        return None


@settings(max_examples=3000)
@given(st.one_of(addresses, noise))
def test_the_fast_path_accepts_only_what_email_validator_accepts_and_normalises_alike(
    value: str,
) -> None:
    fast = _plain_email(value)
    if fast is not None:
        assert fast == full_path(value)


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        (
            "Ada.Lovelace+crm@Analytical-Engines.Example",
            "Ada.Lovelace+crm@analytical-engines.example",
        ),
        ("o'brien@mail.co.uk", "o'brien@mail.co.uk"),
        ("x@a-b.io", "x@a-b.io"),
    ],
)
def test_everyday_addresses_take_the_fast_path(value: str, normalised: str) -> None:
    assert _plain_email(value) == normalised == full_path(value)


@pytest.mark.parametrize(
    "value",
    [
        "a..b@x.com",  # invalid: both paths refuse
        "a@x.test",  # special-use domain: refused by email-validator
        "a@xn--bcher-kva.de",  # IDNA label: email-validator checks it
        "Ada <ada@example.com>",  # display name: pydantic's path
        "jörg@example.com",  # Unicode local part
        "a@[127.0.0.1]",
        f"{'a' * 65}@example.com",  # local part over 64 characters
    ],
)
def test_other_addresses_are_left_to_email_validator(value: str) -> None:
    assert _plain_email(value) is None


def test_an_intake_record_still_refuses_a_bad_address_and_normalises_a_good_one() -> None:
    base = {"full_name": "Ada", "company": "AE Ltd", "source": "web_form"}
    lead = LeadSubmitted.model_validate({**base, "email": "Ada@Analytical.Example"})
    assert lead.email == "Ada@analytical.example"
    with pytest.raises(ValidationError, match="email"):
        LeadSubmitted.model_validate({**base, "email": "ada@localhost"})
