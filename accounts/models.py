"""The user: identified by an E.164 phone number, with an invite code of its own."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invites.codes import INVITE_CODE_LENGTH, invite_code_generate, validate_invite_code


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra_fields) -> "User":
        user = self.model(phone=phone, **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()  # people log in with a code, operators with a password
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(phone, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    phone = models.CharField(_("phone"), max_length=16, unique=True, help_text=_("E.164"))
    invite_code = models.CharField(
        _("invite code"),
        max_length=INVITE_CODE_LENGTH,
        unique=True,
        default=invite_code_generate,
        validators=[validate_invite_code],
        editable=False,
    )
    # Kept in step with invites.Referral in the same transaction, so that the profile shows
    # the count with no COUNT(*) over a user's referrals (the same cost for 0 and 100,000).
    referrals_count = models.PositiveIntegerField(_("referrals"), default=0, editable=False)
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
