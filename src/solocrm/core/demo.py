"""Demo data: each domain registers a generator; ``solocrm demo`` runs them in order.

Generators receive one ``random.Random`` seeded from ``--seed`` so a seed always gives the
same data, and the number of customers the user asked for.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    rng: random.Random
    customers: int
    owner: Any
    created: dict[str, int] = field(default_factory=dict)


Generator = Callable[[DemoContext], None]
GENERATORS: list[tuple[int, str, Generator]] = []


def register(name: str, *, order: int) -> Callable[[Generator], Generator]:
    def decorator(func: Generator) -> Generator:
        if all(existing != name for _o, existing, _f in GENERATORS):
            GENERATORS.append((order, name, func))
            GENERATORS.sort(key=lambda item: item[0])
        return func

    return decorator


def demo_load(*, customers: int, seed: int, owner: Any) -> dict[str, int]:
    from django.apps import apps
    from django.db import transaction

    for config in apps.get_app_configs():  # each app's demo module registers itself
        if config.name.startswith("solocrm."):
            try:
                __import__(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    context = DemoContext(rng=rng, customers=customers, owner=owner)
    with transaction.atomic():
        for _order, _name, generator in GENERATORS:
            generator(context)
    return context.created


def demo_is_loaded() -> bool:
    from django.apps import apps

    return any(model._default_manager.exists() for model in _demo_models(apps))


def _demo_models(apps: Any) -> list[Any]:
    wanted = ("customers.Customer",)
    models = []
    for label in wanted:
        try:
            models.append(apps.get_model(label))
        except LookupError:
            continue
    return models
