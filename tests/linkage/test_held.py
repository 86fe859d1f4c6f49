"""Pairs the linkage holds for a person, and why (`held_because`): a child of another forename,
a twin the row's forename does not pick out, a funded place's namesake elsewhere, a row whose
best child another row took; and links that do not depend on the order of the rows."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from tests.linkage.test_probabilistic import (
    ELIZABETH_DOB,
    PEOPLE,
    dwp_row,
    outcome,
    person,
    tables,
)
from workbench.linkage import probabilistic
from workbench.linkage.probabilistic import LINKAGE_RESULT_SCHEMA, link_all, link_probabilistic
from workbench.synth import generate_council

FORENAME_HELD = (
    "the row's forename is plainly not the council child's (not a slip, a nickname or the "
    "names swapped): it may be a brother or sister, or a twin the council does not hold"
)


def held(links: pl.DataFrame) -> dict[str, str | None]:
    return dict(zip(links["record_id"], links["held_because"], strict=True))


def test_the_held_reason_is_the_last_column_of_the_links():
    assert list(LINKAGE_RESULT_SCHEMA)[-2:] == ["contributions", "held_because"]
    assert list(LINKAGE_RESULT_SCHEMA)[:6] == [
        "source", "record_id", "person_id", "band", "match_probability", "match_weight"
    ]  # fmt: skip


@pytest.mark.parametrize("nino", [None, "AB123456C"])
def test_a_dwp_child_of_another_forename_goes_to_a_person(nino):
    # Zara on the list, Elizabeth in the council's records: same parent, address and birthday.
    # A twin the council does not hold, or a brother or sister: not Elizabeth under another
    # name, whatever the model's probability; with the parent's NINO too (the exact pass
    # leaves the pair to the probabilistic stage).
    row = dwp_row("D1", "Zara", "Lee", ELIZABETH_DOB, parent_nino=nino)
    links = link_all(tables(dwp=[row]))
    assert links.select("record_id", "person_id", "band", "method").rows() == [
        ("D1", "P2", "clerical_review", "splink")
    ]
    assert links["match_probability"].item() >= 0.95  # the model alone would link it
    assert held(links) == {"D1": FORENAME_HELD}


@pytest.mark.parametrize(
    ("forename", "method"),
    [
        ("Liz", "parent_nino_and_child_dob"),  # a nickname
        ("Elisabeth", "parent_nino_and_child_dob"),  # a slip
        ("Lee", "parent_nino_and_child_dob"),  # forename and surname swapped
    ],
)
def test_a_nickname_a_slip_or_a_swap_still_links(forename, method):
    surname = "Elizabeth" if forename == "Lee" else "Lee"
    row = dwp_row("D1", forename, surname, ELIZABETH_DOB, parent_nino="AB123456C")
    links = link_all(tables(dwp=[row]))
    assert links.select("person_id", "band", "method", "held_because").rows() == [
        ("P2", "linked", method, None)
    ]
    # Without the NINO the probabilistic stage links it too.
    row["parent_nino"] = None
    links = link_all(tables(dwp=[row]))
    assert links.select("person_id", "band", "held_because").rows() == [("P2", "linked", None)]


ISLA_ELLA = [
    *PEOPLE,
    person("P5", "H1", "Isla", "Lee", date_of_birth=date(2024, 5, 5)),
    person("P6", "H1", "Ella", "Lee", date_of_birth=date(2024, 5, 5)),
]


def test_a_row_whose_forename_leans_to_one_twin_by_a_slip_goes_to_a_person():
    # "Ila": Isla but for a letter, Ella but for two. A slip in one twin's name may as well be
    # a slip in the other's.
    row = dwp_row("D1", "Ila", "Lee", date(2024, 5, 5))
    links = link_probabilistic(tables(dwp=[row], people=ISLA_ELLA), source="dwp_list")
    assert outcome(links) == {"D1": ("P5", "clerical_review")}
    assert links["match_probability"].item() >= 0.95
    assert held(links) == {
        "D1": "a twin, council record P6 (the same date of birth and household), also scores at "
        "least the review threshold, and the row's forename is not exactly the chosen child's"
    }


@pytest.mark.parametrize(
    ("forename", "twin"),
    [
        ("Isla", "Ella"),  # the row names one twin exactly
        ("Isl", "Samantha"),  # a slip of one twin's name, nothing like the other's
    ],
)
def test_a_row_naming_a_twin_or_a_slip_of_a_name_unlike_the_other_twins_links(forename, twin):
    twins = [
        *PEOPLE,
        person("P5", "H1", "Isla", "Lee", date_of_birth=date(2024, 5, 5)),
        person("P6", "H1", twin, "Lee", date_of_birth=date(2024, 5, 5)),
    ]
    row = dwp_row("D1", forename, "Lee", date(2024, 5, 5))
    links = link_probabilistic(tables(dwp=[row], people=twins), source="dwp_list")
    assert links.select("person_id", "band", "held_because").rows() == [("P5", "linked", None)]


def test_a_row_whose_best_child_another_row_took_says_so():
    better = dwp_row("D1", "Elizabeth", "Lee", ELIZABETH_DOB, parent_nino="AB123456C")
    worse = dwp_row("D2", "Elisabeth", "Lee", ELIZABETH_DOB)
    links = link_probabilistic(tables(dwp=[better, worse]), source="dwp_list")
    assert outcome(links) == {"D1": ("P2", "linked"), "D2": (None, "not_linked")}
    assert held(links) == {
        "D1": None,
        "D2": "its best match, council record P2, was taken by row D1, which scored higher "
        "(the probability and contributions here are this row's with it)",
    }
    assert links.filter(pl.col("record_id") == "D2")["match_probability"].item() >= 0.5


def test_a_pair_under_the_linked_threshold_says_so():
    row = dwp_row("D1", "Liz", "Lee", date(2024, 4, 3))
    probability = link_probabilistic(tables(dwp=[row]), source="dwp_list")[
        "match_probability"
    ].item()
    links = link_probabilistic(tables(dwp=[row]), source="dwp_list", thresholds=(1.0, probability))
    assert held(links) == {"D1": "the match probability is below the linked threshold (100%)"}


@pytest.mark.slow  # over 5 s: make test-slow (CI runs both)
def test_the_same_rows_in_another_order_give_the_same_links(monkeypatch):
    # EM learns from a sample of rows, u from a sample of pairs, and ties are broken by row
    # number: all from the rows in the order of their record ids, not the files'.
    monkeypatch.setenv("WORKBENCH_LINKAGE_CACHE", "off")
    monkeypatch.setattr(probabilistic, "EM_MAX_ROWS", 250)
    council = generate_council(households=1500, seed=7)
    inputs = {name: council[name] for name in ("people", "dwp_list", "funded_places")}
    shuffled = {
        name: frame.sample(fraction=1.0, shuffle=True, seed=3) for name, frame in inputs.items()
    }
    assert not shuffled["funded_places"].equals(inputs["funded_places"])
    links = link_all(inputs)
    assert link_all(shuffled).equals(links)
    assert links.filter(pl.col("method") == "splink").height > 50
