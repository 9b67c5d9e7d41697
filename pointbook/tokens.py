"""`Token`: one row whose random token is renewed whenever what it stands for changes, so what a
worker built from it (the catalog's snapshot, a kept dashboard) knows it is stale. A random token, not
a counter: a number can come round again (a rolled-back renewal, a restored database), a token cannot.
`programs.models.CatalogVersion` and `households.models.DataVersion` are the two."""

from __future__ import annotations

import uuid

from django.db import models


class Token(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.token)

    @classmethod
    def current(cls) -> str:
        return str(cls.objects.filter(pk=1).values_list("token", flat=True).first() or "")

    @classmethod
    def renew(cls, using: str | None = None) -> None:
        rows = cls.objects.using(using) if using else cls.objects
        if not rows.filter(pk=1).update(token=uuid.uuid4()):
            rows.get_or_create(pk=1)  # the row is made with a new token
