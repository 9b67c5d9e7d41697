"""The one door to household data.

Every model that holds a household's data derives from `HouseholdOwned` and says, in
`household_lookup`, how its rows reach their household. Views read such rows only through
`request.household.scoped(Model)` / `request.household.get_or_404(Model, ...)`, which filter by
that lookup, so another household's object is simply not found (404), as in pretix and
healthchecks. `tests/test_scoping_sweep.py` requests every scoped URL with another household's ids.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.db import models


class HouseholdQuerySet(models.QuerySet):
    def in_household(self, household: Any) -> Self:
        return self.filter(**{self.model.household_lookup: household})


class HouseholdOwned(models.Model):
    # The ORM path from this model to its Household, e.g. "member__household".
    household_lookup: ClassVar[str] = "household"

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        abstract = True
