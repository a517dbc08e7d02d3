import itertools

import factory

from accounts.models import User

_numbers = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    # +7903... numbers: the API tests draw theirs from +7916..., so the two never meet.
    phone = factory.LazyFunction(lambda: f"+7903{next(_numbers):07d}")
