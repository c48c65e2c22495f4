"""What the seeder hands to intake's store equals what intake's own prepare derives from the same document: the
skipped steps (validation, the guard, indicator extraction, classification) are provably redundant."""

from __future__ import annotations

import pytest

from app.reports import classification, enrichment, guard, indicators, intake
from app.reports.document import FileDetails
from app.reports.document import Report as ReportDocument
from seed import scenarios
from seed.records import SeedReport
from tests.seed.helpers import first_chunk


def _files(report: SeedReport) -> list[intake.FileRecord]:
    return [
        intake.FileRecord(
            f.file_id, f.file_name, f.size, f.md5, f.sha1, f.sha256, FileDetails.model_validate(f.details_body)
        )
        for f in report.files
    ]


@pytest.mark.parametrize("scenario", scenarios.available())
def test_seeded_facts_equal_what_intake_derives(scenario: str) -> None:
    reports = first_chunk(scenario, 400)
    assert len(reports) == 400
    for r in reports:
        document = ReportDocument.model_validate(r.body)
        files = _files(r)
        assert document.model_dump(mode="json", exclude_none=True) == r.body, r.number
        assert intake.request_hash(document) == r.digest
        assert guard.scan_report(document) == []
        for i, (f, seeded) in enumerate(zip(files, r.files, strict=True)):
            assert f.details is not None
            assert f.details.model_dump(mode="json", exclude_none=True) == seeded.details_body
            assert guard.scan_file_details(f.details, prefix=("files", i, "details")) == []
        found = indicators.extract_indicators(document, files, esp="ignored when a scope is given")
        assert found == r.found, r.number
        assert enrichment.capture_events(document, files) == r.captures
        assert enrichment.estimates_of(document) == r.estimates
        kind = classification.ncmec_classification(document, file_count=len(files), found=found)
        assert (kind, classification.is_urgent(document)) == (r.kind, r.urgent)


def test_the_scenarios_cover_every_kind_of_report() -> None:
    reports = [r for name in ("demo", "classroom", "viral-bundle") for r in first_chunk(name, 600)]
    kinds = {r.kind for r in reports}
    locations = {r.truth.location for r in reports}
    assert kinds == {"referral", "informational"}
    assert locations >= {"regency", "district", "estimate", "mobile", "abroad", "unresolved"}
    assert {r.truth.duplicate for r in reports} >= {"exact", "near"}
    assert any(r.truth.bundle for r in reports) and any(r.truth.subject is not None for r in reports)
    assert any(r.urgent for r in reports) and any(r.truth.should_escalate and not r.urgent for r in reports)
    assert {r.truth.priority for r in reports} == {"E", "1", "2", "3"}
    assert any(r.estimates for r in reports) and any(not r.files for r in reports)
