"""Learning fixtures: a factory of pathways (built by the company's admin, published by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import Company
from pathways.learning import builder
from pathways.learning.models import Pathway
from tests.pathways.conftest import admin_of


@pytest.fixture
def make_pathway(app: Flask) -> Callable[..., Pathway]:
    def factory(company: Company, title: str = "Path", steps: list[builder.StepData]
                | None = None, publish: bool = True, **kw: Any) -> Pathway:
        actor = admin_of(company)
        pathway = builder.save_pathway(actor, title, **kw)
        for data in steps or []:
            builder.add_step(actor, pathway, data)
        if publish:
            builder.publish(actor, pathway)
        db.session.commit()
        return pathway

    return factory
