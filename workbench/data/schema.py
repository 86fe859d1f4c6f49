"""The canonical input tables, declared once as data.

Loading (`workbench.data.reading`), validation, the quarantine, `workbench schema` and the
data-contract section of the README are all generated from `TABLES`. To add a column, add it here.

Example
-------
>>> from workbench.data.schema import TABLES
>>> TABLES["people"].column("date_of_birth").dtype
'date'
>>> TABLES["benefits"].id_column
'award_id'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

__all__ = [
    "BENEFITS",
    "CHILD_STATUSES",
    "TABLES",
    "Column",
    "DType",
    "Normaliser",
    "Table",
    "contract_markdown",
]

DType = Literal["string", "date", "decimal", "enum", "boolean"]
Normaliser = Literal["postcode", "nino", "name", "urn"]

BENEFITS: tuple[str, ...] = (
    "universal_credit",
    "income_support",
    "jsa_income_based",
    "esa_income_related",
    "child_tax_credit",
    "working_tax_credit",
    "wtc_run_on",
    "pension_credit_guarantee",
    "asylum_support",
    "disability_living_allowance",
    "housing_benefit",
    "council_tax_reduction",
)

CHILD_STATUSES: tuple[str, ...] = (
    "looked_after",
    # Looked after in the past, by this or another authority (the council's "post-LAC" record):
    # the care history that an adoption, special guardianship or child arrangements order needs.
    "previously_looked_after",
    "ehc_plan",
    "special_guardianship_order",
    "child_arrangements_order",
    "adoption_order",
    # Free school meals kept under the transitional protection of SI 2018/148, where the council
    # records it.
    "fsm_transitional_protection",
)

# The plausible range of each type's values unless a column says otherwise: dates of the
# 20th and 21st centuries; money and hours from 0 to ten million.
PLAUSIBLE: dict[str, tuple[object, object]] = {
    "date": (date(1900, 1, 1), date(2099, 12, 31)),
    "decimal": (0.0, 10_000_000.0),
}

ROLES: tuple[str, ...] = ("parent_carer", "child", "other")
FUNDING_STREAMS: tuple[str, ...] = ("two_year_old", "universal_three_four", "working_parent")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    `special_category` columns (UK GDPR Art. 9 and equality fields) are loaded only for
    equality monitoring, never to select anyone. `normalise` names the clean-up applied
    before validation (postcode spacing and case, NINO case and spaces, name whitespace).
    """

    name: str
    dtype: DType
    required: bool
    meaning: str
    allowed: tuple[str, ...] | None = None
    normalise: Normaliser | None = None
    special_category: bool = False
    # The plausible range of a date or decimal, both ends included: a value outside it (a date
    # of birth in 9999, negative money) is quarantined. Defaults by type: `PLAUSIBLE`.
    plausible: tuple[object, object] | None = None
    # A decimal that is an amount of money (pounds), not hours: in a file read through a
    # source profile that does not say how it writes numbers, three decimal places (`1.234`)
    # read two ways (`workbench.data.checks`).
    money: bool = False

    @property
    def plausible_range(self) -> tuple[object, object] | None:
        return self.plausible or PLAUSIBLE.get(self.dtype)

    def __post_init__(self) -> None:
        if (self.dtype == "enum") != (self.allowed is not None):
            raise ValueError(
                f"column {self.name}: enum columns, and only they, list allowed values"
            )


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns, its id, and the date pairs that must be in order."""

    name: str
    required: bool
    meaning: str
    columns: tuple[Column, ...]
    id_column: str
    # (start, end) column pairs: a row whose end is before its start is quarantined.
    date_order: tuple[tuple[str, str], ...] = field(default=())
    # (column, other table, its column): a row whose value the other table's accepted rows do
    # not hold is quarantined, when both tables are loaded together.
    references: tuple[tuple[str, str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name}: duplicate column names")
        if self.id_column not in names:
            raise ValueError(f"table {self.name}: id column {self.id_column} not declared")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name} has no column {name!r}")

    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def columns_for(self, *, equality_monitoring: bool = False) -> tuple[Column, ...]:
        """The columns a purpose may load: special-category ones only for equality monitoring."""
        return tuple(c for c in self.columns if equality_monitoring or not c.special_category)


def _s(name: str, required: bool, meaning: str, normalise: Normaliser | None = None) -> Column:
    return Column(name, "string", required, meaning, normalise=normalise)


def _d(name: str, required: bool, meaning: str) -> Column:
    return Column(name, "date", required, meaning)


def _m(name: str, meaning: str, money: bool = True) -> Column:
    return Column(name, "decimal", False, meaning, money=money)


def _e(name: str, allowed: Iterable[str], required: bool, meaning: str) -> Column:
    return Column(name, "enum", required, meaning, allowed=tuple(allowed))


def _b(name: str, meaning: str) -> Column:
    return Column(name, "boolean", False, meaning)


def _equality(name: str, meaning: str) -> Column:
    return Column(name, "string", False, meaning, special_category=True)


PEOPLE = Table(
    name="people",
    required=True,
    meaning="The council's person index (children and adults), one row per person.",
    id_column="person_id",
    columns=(
        _s("person_id", True, "Unique within the file."),
        _s("household_id", True, "People with the same household_id live together."),
        _s("forename", True, "Forename.", "name"),
        _s("surname", True, "Surname.", "name"),
        _d("date_of_birth", True, "Date of birth."),
        _s("nino", False, "National Insurance number (adults), AB123456C.", "nino"),
        _s("address_line_1", False, "First line of the address.", "name"),
        _s("postcode", False, "UK postcode, upper-cased with one space.", "postcode"),
        _e("role", ROLES, False, "parent_carer, child or other: whose awards count for a child."),
        _s(
            "school_urn",
            False,
            "A pupil's school, its six-digit URN (Get Information about Schools): DfE's enhanced "
            "free-school-meals check asks for it.",
            "urn",
        ),
        _equality("sex", "Equality monitoring only, reported in aggregate."),
        _equality("ethnicity", "Equality monitoring only, reported in aggregate."),
        _equality("first_language", "Equality monitoring only, reported in aggregate."),
    ),
)

BENEFITS_TABLE = Table(
    name="benefits",
    required=True,
    meaning="Benefit awards, one row per award.",
    id_column="award_id",
    date_order=(("start_date", "end_date"),),
    references=(("person_id", "people", "person_id"),),
    columns=(
        _s("award_id", True, "Unique within the file."),
        _s("person_id", True, "The claimant; for disability_living_allowance, the child."),
        _e("benefit", BENEFITS, True, "Which benefit is awarded."),
        _d("start_date", True, "First day in payment."),
        _d("end_date", False, "Last day in payment (inclusive); empty means ongoing."),
        _m("net_earned_income", "Universal Credit: household take-home pay from work, a year."),
        _m("gross_income", "Tax credits: household gross annual income."),
    ),
)

CHILD_STATUSES_TABLE = Table(
    name="child_statuses",
    required=False,
    meaning="Social care and SEND status episodes, one row per episode.",
    id_column="status_id",
    date_order=(("start_date", "end_date"),),
    references=(("person_id", "people", "person_id"),),
    columns=(
        _s("status_id", True, "Unique within the file."),
        _s("person_id", True, "The child."),
        _e("status", CHILD_STATUSES, True, "Which status."),
        _d("start_date", True, "First day of the episode."),
        _d("end_date", False, "Last day (inclusive); empty means ongoing."),
    ),
)

DWP_LIST = Table(
    name="dwp_list",
    required=False,
    meaning="The DWP's list of potentially eligible two-year-olds (Childcare Act 2006 s13A).",
    id_column="record_id",
    columns=(
        _s(
            "record_id",
            True,
            "Row id; when the supplier gives none, the loader makes `dwp-row-<row>-<6 hex "
            "digits>`: the row as a spreadsheet shows it and a fingerprint (SHA-256) of the "
            "child's names and date of birth, so that the same row of the next release, naming "
            "another child, is another row to the review store.",
        ),
        _s("child_forename", True, "Child's forename.", "name"),
        _s("child_surname", True, "Child's surname.", "name"),
        _d("child_date_of_birth", True, "Child's date of birth."),
        _s("parent_forename", True, "Parent's forename.", "name"),
        _s("parent_surname", True, "Parent's surname.", "name"),
        _s("parent_nino", False, "Parent's National Insurance number.", "nino"),
        _s("address_line_1", False, "Address line 1.", "name"),
        _s("address_line_2", False, "Address line 2.", "name"),
        _s("address_line_3", False, "Address line 3.", "name"),
        _s("address_line_4", False, "Address line 4.", "name"),
        _s("postcode", False, "UK postcode.", "postcode"),
        _d("list_date", False, "The date the list was produced."),
    ),
)

FUNDED_PLACES = Table(
    name="funded_places",
    required=False,
    meaning=(
        "Providers' headcount of funded children, one row per child per term, provider and "
        "funding stream (a child may hold two in a term: the two-year-old hours with "
        "working-parent hours on top, or hours split between two providers)."
    ),
    id_column="record_id",
    columns=(
        _s("record_id", True, "Unique within the file."),
        _s("provider_id", True, "The provider."),
        _d("term_start", True, "First day of the term funded."),
        _s("child_forename", True, "Child's forename.", "name"),
        _s("child_surname", True, "Child's surname.", "name"),
        _d("child_date_of_birth", True, "Child's date of birth."),
        _s("postcode", False, "UK postcode.", "postcode"),
        _e("funding_stream", FUNDING_STREAMS, True, "Which entitlement funds the place."),
        _m("hours_per_week", "Funded hours a week.", money=False),
    ),
)

HOUSEHOLDS = Table(
    name="households",
    required=False,
    meaning="Circumstances recorded per household, one row per household.",
    id_column="household_id",
    references=(("household_id", "people", "household_id"),),
    columns=(
        _s("household_id", True, "Unique; as in people."),
        _b("no_recourse_to_public_funds", "The family has no recourse to public funds (NRPF)."),
        _m("annual_income", "Household income a year, as the NRPF criteria define it."),
        _m("savings", "Household savings and capital."),
        _b("in_london", "The household lives in a London borough (NRPF limits differ)."),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (PEOPLE, BENEFITS_TABLE, CHILD_STATUSES_TABLE, HOUSEHOLDS, DWP_LIST, FUNDED_PLACES)
}


def contract_markdown() -> str:
    """The data contract as Markdown tables, generated from `TABLES` (used by the README)."""
    lines: list[str] = []
    for table in TABLES.values():
        need = "required" if table.required else "optional"
        lines += [f"### {table.name} ({need})", "", table.meaning, ""]
        lines += ["| column | type | required | meaning |", "|---|---|---|---|"]
        for c in table.columns:
            kind = (
                c.dtype if c.allowed is None else "enum: " + ", ".join(f"`{a}`" for a in c.allowed)
            )
            meaning = c.meaning + (" *Special category.*" if c.special_category else "")
            lines.append(f"| {c.name} | {kind} | {'yes' if c.required else 'no'} | {meaning} |")
        lines.append("")
    return "\n".join(lines)
