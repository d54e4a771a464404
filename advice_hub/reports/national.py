"""The published national figures a council sets its own beside: the share of new EHC plans
issued within 20 weeks in England, from the DfE's statistics "Education, health and care
plans, England" (the SEN2 return, calendar years). Kept as data, each figure with its year,
what it measures and where it was published, so that a new release is one line here."""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "Department for Education, Education, health and care plans, England"
SOURCE_URL = (
    "https://explore-education-statistics.service.gov.uk/find-statistics/"
    "education-health-and-care-plans"
)


@dataclass(frozen=True)
class NationalFigure:
    year: int  # the calendar year the plans were issued in
    measure: str
    percent: float
    source: str = SOURCE
    source_url: str = SOURCE_URL

    @property
    def label(self) -> str:
        return f"England {self.year}: {self.percent:.1f}%"


WITHIN_20_WEEKS_EXCLUDING_EXCEPTIONS = "plans issued within 20 weeks, excluding exceptions"

NATIONAL_FIGURES: tuple[NationalFigure, ...] = (
    NationalFigure(2019, WITHIN_20_WEEKS_EXCLUDING_EXCEPTIONS, 60.4),
    NationalFigure(2023, WITHIN_20_WEEKS_EXCLUDING_EXCEPTIONS, 50.3),
    NationalFigure(2024, WITHIN_20_WEEKS_EXCLUDING_EXCEPTIONS, 46.4),
)


def latest(measure: str = WITHIN_20_WEEKS_EXCLUDING_EXCEPTIONS) -> NationalFigure:
    """The most recent published figure for the measure."""
    return max((f for f in NATIONAL_FIGURES if f.measure == measure), key=lambda f: f.year)
