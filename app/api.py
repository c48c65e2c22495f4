"""Every domain router, mounted under ``/api/v1``."""

from fastapi import APIRouter

from app.addresses.router import router as addresses_router
from app.auth.members_router import router as members_router
from app.auth.router import router as auth_router
from app.cases.handovers_router import router as case_handovers_router
from app.cases.links_router import router as case_links_router
from app.cases.links_router import sla_router
from app.cases.router import router as cases_router
from app.core.middleware import API_PREFIX
from app.events.router import router as events_router
from app.exercises.router import router as exercises_router
from app.jobs.router import router as jobs_router
from app.reports.router import indicators_router
from app.reports.router import router as reports_router
from app.routing.router import router as routing_router
from app.scoring.router import router as scoring_router
from app.seeding.router import router as seeding_router
from app.stats.router import router as stats_router
from app.units.router import router as units_router
from app.webhooks.router import router as webhooks_router

api_router = APIRouter(prefix=API_PREFIX)
api_router.include_router(auth_router)
api_router.include_router(exercises_router)
api_router.include_router(members_router)
api_router.include_router(events_router)
api_router.include_router(reports_router)
api_router.include_router(indicators_router)
api_router.include_router(addresses_router)
api_router.include_router(units_router)
api_router.include_router(cases_router)
api_router.include_router(routing_router)
api_router.include_router(case_links_router)
api_router.include_router(case_handovers_router)
api_router.include_router(sla_router)
api_router.include_router(seeding_router)
api_router.include_router(jobs_router)
api_router.include_router(scoring_router)
api_router.include_router(stats_router)
api_router.include_router(webhooks_router)
