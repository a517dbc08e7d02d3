"""The user: identified by an E.164 phone number; operators also have a password."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invites.services import invite_code_issue


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra_fields) -> "User":
        """A new user, with its own invite code: every way in (a login, an operator created
        with createsuperuser, a test) gives one."""
        user = self.model(phone=phone, **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()  # people log in with a code, operators with a password
        # No savepoint: inside a caller's transaction (a login's) a failure here fails it all.
        with transaction.atomic(using=self._db, savepoint=False):
            user.save(using=self._db)
            invite_code_issue(user=user)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(phone, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    phone = models.CharField(_("phone"), max_length=16, unique=True, help_text=_("E.164"))
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.phone
