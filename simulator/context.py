"""Everything one generation run shares: parameters, reference data and the people and firms that
several systems refer to (citizens appear in dancu, as dossier applicants and as legal representatives;
enterprises in dkkd and as applicants), built once and lazily."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from simulator.agencies import Agencies, build_agencies, registry_agency_suffix
from simulator.catalogue import Catalogue, build_catalogue
from simulator.clock import DAY
from simulator.reference import Province, load_province
from simulator.scales import Scale

#: First day of the simulated operational history (dossiers, documents).
HISTORY_START = dt.date(2021, 1, 1)


@dataclass
class Context:
    seed: int
    as_of: dt.date
    scale: Scale
    province: Province
    defect_rate: float

    @classmethod
    def create(cls, seed: int, as_of: dt.date, scale: Scale, province_code: str, defect_rate: float) -> Context:
        if as_of < HISTORY_START + dt.timedelta(days=180):
            raise ValueError(f"as_of must be on or after {HISTORY_START + dt.timedelta(days=180)} "
                             "(the simulated history starts on 2021-01-01)")
        return cls(seed=seed, as_of=as_of, scale=scale, province=load_province(province_code),
                   defect_rate=defect_rate)

    @property
    def as_of_midnight(self) -> np.datetime64:
        """The first instant not covered by clean data."""
        return np.datetime64(self.as_of, "s")

    @property
    def last_second(self) -> np.datetime64:
        return self.as_of_midnight - np.timedelta64(1, "s")

    def days_before(self, days: int) -> np.datetime64:
        return self.as_of_midnight - np.timedelta64(days * DAY, "s")

    @cached_property
    def agencies(self) -> Agencies:
        return build_agencies(self.province)

    @cached_property
    def catalogue(self) -> Catalogue:
        return build_catalogue(registry_agency_suffix())

    @cached_property
    def citizens(self):
        from simulator.dancu import build_citizens
        return build_citizens(self)

    @cached_property
    def enterprises(self):
        from simulator.dkkd import build_enterprises
        return build_enterprises(self)
