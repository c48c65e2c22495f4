"""Imports every model so ``Base.metadata`` is complete (migrations, tests)."""

from app.addresses import models as addresses_models
from app.auth import models as auth_models
from app.cases import models as cases_models
from app.db.base import Base
from app.events import models as events_models
from app.exercises import models as exercises_models
from app.ispws import models as ispws_models
from app.jobs import models as jobs_models
from app.reports import models as reports_models
from app.routing import models as routing_models
from app.seeding import models as seeding_models
from app.units import models as units_models
from app.webhooks import models as webhooks_models

__all__ = [
    "Base",
    "addresses_models",
    "auth_models",
    "cases_models",
    "events_models",
    "exercises_models",
    "ispws_models",
    "jobs_models",
    "reports_models",
    "routing_models",
    "seeding_models",
    "units_models",
    "webhooks_models",
]
