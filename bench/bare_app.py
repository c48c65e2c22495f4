"""The baseline for ``bench/intake.py``: a bare FastAPI endpoint that inserts the posted JSON as one row, with the
same stack tipdesk uses (a sync endpoint, a SQLAlchemy session per request, one commit), and nothing else.

    uvicorn bench.bare_app:create_app --factory   (TIPDESK_DATABASE_URL names the database)
"""

import os
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI
from sqlalchemy import JSON, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class _Base(DeclarativeBase):
    pass


class BenchRow(_Base):
    __tablename__ = "bench_row"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


def create_app() -> FastAPI:
    engine = create_engine(os.environ["TIPDESK_DATABASE_URL"], pool_size=10)
    _Base.metadata.create_all(engine)
    factory = sessionmaker(engine)

    def session() -> Iterator[Session]:
        with factory.begin() as s:
            yield s

    app = FastAPI()

    @app.post("/rows", status_code=201)
    def insert_row(s: Annotated[Session, Depends(session)], body: Annotated[dict[str, Any], Body()]) -> dict[str, str]:
        row = BenchRow(body=body)
        s.add(row)
        s.flush()
        return {"id": str(row.id)}

    return app
