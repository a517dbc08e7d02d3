import itertools

import factory

from accounts.models import User

_numbers = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    # +7903... numbers: the API tests draw theirs from +7916..., so the two never meet.
    phone = factory.LazyFunction(lambda: f"+7903{next(_numbers):07d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The manager's create_user, as a login does: the user gets its invite code.
        return model_class.objects.create_user(*args, **kwargs)
