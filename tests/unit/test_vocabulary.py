"""One human label per enum value (registry/enums.py)."""

from __future__ import annotations

from enum import StrEnum

import pytest

from registry.enums import (
    VOCABULARY,
    Classification,
    Deployment,
    Hosting,
    Labelled,
    MoSCoW,
    OrgKind,
    PricingModel,
    Role,
    _labels,
    workstream_label,
)


@pytest.mark.parametrize("name", sorted(VOCABULARY))
def test_every_member_has_a_label_and_an_option(name: str) -> None:
    cls = VOCABULARY[name]
    for member in cls:  # type: ignore[attr-defined]
        assert member.label and member.label == member.label.strip()
        assert "_" not in member.label  # codes like OFFICIAL_SENSITIVE or procurement_officer
    choices = cls.choices()
    assert len(choices) == len(list(cls))  # type: ignore[arg-type]
    assert len({label for _, label in choices}) == len(choices)  # no two options read the same


def test_labels_are_words_not_codes() -> None:
    assert Deployment.SAAS.label == "Software as a service (SaaS)"
    assert Hosting.OTHER.label == "Outside the UK and EEA"
    assert PricingModel.PER_USER_YEAR.label == "Per user per year"
    assert MoSCoW.WONT.label == "Won't have"
    assert Classification.OFFICIAL_SENSITIVE.label == "OFFICIAL-SENSITIVE"
    assert Classification.TOP_SECRET.label == "TOP SECRET"
    assert Role.PROCUREMENT_OFFICER.label == "Procurement officer"


def test_members_that_share_a_value_keep_their_own_labels() -> None:
    # StrEnum members hash like their values: Role.SUPPLIER == OrgKind.SUPPLIER == "supplier".
    assert Role.SUPPLIER == OrgKind.SUPPLIER
    assert Role.ADMIN.label == "Administrator" and OrgKind.PLATFORM.label == "Registry operator"
    assert Role.SUPPLIER.label == "Supplier" and OrgKind.BUYER.label == "Buyer"


def test_label_of_reads_stored_codes_and_tolerates_unknown_ones() -> None:
    assert Deployment.label_of("on-premises") == "On-premises"
    assert Deployment.label_of(Deployment.HYBRID) == "Hybrid"
    assert Classification.label_of("OFFICIAL_SENSITIVE") == "OFFICIAL-SENSITIVE"
    assert Classification.label_of("official-sensitive") == "OFFICIAL-SENSITIVE"
    assert Classification.label_of(3) == "SECRET"
    assert Hosting.label_of("mars") == "mars"  # legacy data is shown, never a 500
    assert Hosting.label_of(None) == ""


def test_choices_post_the_stored_code() -> None:
    assert Classification.choices()[1] == ("OFFICIAL_SENSITIVE", "OFFICIAL-SENSITIVE")
    assert MoSCoW.choices()[0] == ("must", "Must have")
    assert Hosting.labels() == {"uk": "UK", "eea": "European Economic Area (EEA)", "other": "Outside the UK and EEA"}


def test_an_enum_without_every_label_is_refused() -> None:
    class Colour(StrEnum):
        RED = "red"
        BLUE = "blue"

    with pytest.raises(TypeError, match="BLUE"):
        _labels(Colour, {Colour.RED: "Red"})


def test_an_enum_without_the_labelled_mixin_is_refused() -> None:
    class Colour(StrEnum):
        RED = "red"

    with pytest.raises(TypeError, match="Colour needs the Labelled mixin"):
        _labels(Colour, {Colour.RED: "Red"})


def test_choices_follow_the_declaration_whatever_order_the_labels_are_given_in() -> None:
    class Size(Labelled, StrEnum):
        SMALL = "s"
        LARGE = "l"

    _labels(Size, {Size.LARGE: "Large", Size.SMALL: "Small"})
    assert Size.choices() == [("s", "Small"), ("l", "Large")]
    assert Size.LARGE.label == "Large" and Size.label_of("s") == "Small"


def test_workstream_labels() -> None:
    assert workstream_label("ECON") == "Economic & Financial Crime"
    assert workstream_label("BLUEGREEN", short=True) == "Blue & Green Crimes"
    assert workstream_label("NEW") == "NEW"
