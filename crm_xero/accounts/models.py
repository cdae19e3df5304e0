from __future__ import annotations

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A CRM user. `is_staff` marks a CRM administrator."""

    def __str__(self) -> str:
        return self.get_full_name() or self.email or self.username
