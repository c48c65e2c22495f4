"""The report generator: chunk ``k`` of a plan is a pure function of (scenario, seed, count, origin, k).

Each chunk draws from its own seeded generator; what spans chunks (viral bundles and their files, repeat subjects)
is derived from the plan alone, so chunks can be made in any order, in any process, with the same result.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import replace
from datetime import datetime, timedelta

from faker import Faker

from app.core.collector import collector_paused
from app.reports.classification import IDENTIFYING_KINDS
from seed import people
from seed.builder import Built, Draft, FileSpec, build, build_body, build_files
from seed.canonical import Facts, digest
from seed.distributions import CSAM, ENTICEMENT, SHORT_NAMES, UNSOLICITED
from seed.esps import BY_KEY, CATALOGUE, DETAIL_KINDS, Esp
from seed.plan import CHUNK, Plan, Weighted, as_time, derive_seed
from seed.providers import SafeIdentifiers, kit, make_faker
from seed.rand import between, pick
from seed.records import SeedReport
from seed.truth import Truth, priority_of

RECENT = 200  # earlier reports of the chunk a duplicate may repeat


class _Chunk:
    def __init__(self, plan: Plan, chunk: int) -> None:
        self.plan, self.t, self.d = plan, plan.tables, plan.d
        self.fake: SafeIdentifiers = kit(make_faker("id_ID", plan.chunk_seed(chunk)))
        self.rng: random.Random = self.fake.generator.random
        self.pool = people.pools(plan.seed)
        self.originals: list[tuple[Draft, SeedReport, Facts]] = []  # with the facts of its document alone

    # --- shared across chunks ----------------------------------------------------------------------------------
    def _side(self, *parts: object) -> SafeIdentifiers:
        """Safe providers seeded for one thing shared across chunks (a bundle's files, a repeat subject)."""
        fake: Faker | None = self.t.__dict__.get("_side_fake")
        if fake is None:
            fake = self.t.__dict__["_side_fake"] = make_faker("id_ID", 0)
        fake.seed_instance(derive_seed(*parts, self.plan.scenario.name, self.plan.seed))
        return kit(fake)

    def _bundle_files(self, number: int) -> list[FileSpec]:
        cache: dict[int, list[FileSpec]] = self.t.__dict__.setdefault("_bundle_files", {})
        if number not in cache:
            fake = self._side("bundle-files", number)
            cache[number] = [self._file_spec(fake, viral=True) for _ in range(self.t.files.pick(fake.generator.random))]
        return cache[number]

    def _repeat_subject(self, number: int) -> people.Account:
        cache: dict[int, people.Account] = self.t.__dict__.setdefault("_subjects", {})
        if number not in cache:
            fake = self._side("subject", number)
            esp = _PLAIN.pick(fake.generator.random)
            cache[number] = self._new_subject(fake, esp, esp.services[0], self.plan.origin, repeat=True)
        return cache[number]

    # --- pieces ------------------------------------------------------------------------------------------------
    def _file_spec(self, fake: SafeIdentifiers, *, viral: bool = False) -> FileSpec:
        rng, t = fake.generator.random, self.t
        kind = t.file_kinds.pick(rng)
        ext = fake.file_extension(kind)
        label = t.classifications.pick(rng) if kind != "other" else "none"
        return FileSpec(
            kind=kind,
            ext=ext,
            name=fake.camera_file_name(kind, ext, pick(rng, self.t.file_days)),
            size=fake.file_size(kind),
            md5=fake.hex_hash(128),
            sha256=fake.hex_hash(256),
            classification=None if label == "none" else label,
            generative_ai=rng.random() < self.d.generative_ai_share,
            viral=viral,
        )

    def _new_subject(
        self, fake: SafeIdentifiers, esp: Esp, service: str, when: datetime, *, repeat: bool = False
    ) -> people.Account:
        rng, d = fake.generator.random, self.d
        account = people.new_account(rng, self.pool, esp, service, when)
        people.add_contacts(rng, fake, account, d.phone_share, d.device_share)
        if rng.random() < 0.1:
            account.birth = (when - timedelta(days=rng.uniform(18 * 365.25, 55 * 365.25))).date()
        if rng.random() < 0.3:
            account.street = pick(rng, self.pool.streets)  # shown with the user's name, in the place they are
        if not repeat and rng.random() < d.disabled_share:
            account.disabled = (when - timedelta(seconds=rng.uniform(600, 86_400))).replace(microsecond=0)
        people.locate(rng, fake, self.plan, account, between(rng, 1, 4))
        return account

    def _victim(self, esp: Esp, service: str, when: datetime) -> people.Account:
        account = people.new_account(self.rng, self.pool, esp, service, when)
        account.age = between(self.rng, 11, 18)
        return account

    def _annotations(self, incident_type: str) -> list[str]:
        rng, d, out = self.rng, self.d, []
        if incident_type == ENTICEMENT:
            if rng.random() < d.sextortion_share:
                out.append("sextortion")
            if rng.random() < d.sadistic_share:
                out.append("sadisticOnlineExploitation")
        if incident_type == CSAM and rng.random() < d.solicitation_share:
            out.append("csamSolicitation")
        if incident_type in (ENTICEMENT, UNSOLICITED) and rng.random() < d.minor_to_minor_share:
            out.append("minorToMinorInteraction")
        if rng.random() < d.spam_share:
            out.append("spam")
        return out

    def _detected(self, received: datetime) -> datetime:
        low, high = self.d.detection_lag_hours
        hours = math.exp(self.rng.uniform(math.log(max(low, 0.01)), math.log(max(high, low, 0.01))))
        return (received - timedelta(hours=hours)).replace(microsecond=0)

    # --- one report --------------------------------------------------------------------------------------------
    def draft(self, index: int, received: datetime) -> tuple[Draft, int | None]:
        rng, d, t = self.rng, self.d, self.t
        incident_type = t.types.pick(rng)
        bundle = (
            t.bundle_at((received - self.plan.window_start).total_seconds(), rng)
            if (incident_type == CSAM and rng.random() < t.bundle_join)
            else None
        )
        repeat: int | None = None
        if bundle is not None:
            esp = BY_KEY[bundle.esp]
        elif rng.random() < d.repeat_subject_share:
            repeat = int(t.repeat_pool * rng.random() ** 2)
            esp = self._repeat_subject(repeat).esp
        else:
            esp = t.esps_by_type[incident_type].pick(rng)
        service = pick(rng, esp.services)
        english = d.english_share * (0.5 if esp.staff_locale == "id_ID" else 1.0)
        kinds = DETAIL_KINDS[esp.kind]
        draft = Draft(
            index=index,
            number=self.plan.first_number + index,
            received=received,
            detected=self._detected(received),
            incident_type=incident_type,
            esp=esp,
            service=service,
            lang="en" if rng.random() < english else "id",
            detail_kind=pick(rng, kinds),
            annotations=[] if bundle else self._annotations(incident_type),
            bundle=bundle.number if bundle else None,
        )
        draft.informational = bundle is None and repeat is None and rng.random() < d.informational_share
        if not draft.informational:
            draft.escalated = rng.random() < t.escalation[incident_type]
            draft.imminent = draft.escalated and rng.random() < d.escalation_accuracy
        short = SHORT_NAMES[incident_type]
        if repeat is not None:
            subject = copy.copy(self._repeat_subject(repeat))
            if rng.random() < d.repeat_moves_share:
                people.locate(rng, self.fake, self.plan, subject, between(rng, 1, 3))
            draft.subject = subject
        elif draft.informational:
            draft.subject = people.new_account(rng, self.pool, esp, service, received)
            people.locate(rng, self.fake, self.plan, draft.subject, 0, place_kind="none")
        elif rng.random() < d.reported_share[short]:
            draft.subject = self._new_subject(self.fake, esp, service, received)
        draft.show_name = rng.random() < d.reported_name_share
        if not draft.informational and bundle is None and rng.random() < d.victim_share[short]:
            draft.victim = self._victim(esp, service, received)
            if not draft.escalated and rng.random() < d.hidden_imminent_share:
                draft.imminent = draft.hidden = True
        if bundle is not None:
            draft.files = self._bundle_files(bundle.number)
        elif not draft.informational and rng.random() >= d.files_zero_share[short]:
            draft.files = [self._file_spec(self.fake) for _ in range(t.files.pick(rng))]
        return draft, repeat

    def duplicate(self, index: int, received: datetime, *, exact: bool) -> SeedReport:
        """The same document sent again (its files uploaded again), or nearly: the same user and files, detected
        later, one more login address."""
        draft, original, alone = pick(self.rng, self.originals)
        number = self.plan.first_number + index
        if exact:
            new = replace(draft, index=index, number=number, received=received)
            facts = Facts(list(alone.hits), list(alone.captures), list(alone.estimates))
            built = Built(original.body, build_files(self.rng, self.fake, new, facts), facts)
        else:
            new = self.near_duplicate(draft, index, received)
            built = build(self.rng, self.fake, self.pool, new)
        truth = replace(original.truth, reasons=list(original.truth.reasons))
        truth.duplicate_of, truth.duplicate = original.index, "exact" if exact else "near"
        truth.reasons.append(f"{truth.duplicate} duplicate of report {original.number}")
        return _report(new, built, truth)

    def near_duplicate(self, original: Draft, index: int, received: datetime) -> Draft:
        draft = replace(original, index=index, number=self.plan.first_number + index, received=received)
        draft.detected = min(original.detected + timedelta(hours=self.rng.uniform(1, 48)), received)
        draft.detected = draft.detected.replace(microsecond=0)
        if original.subject is not None and original.subject.ips:
            extra = copy.copy(original.subject)
            extra.ips = [*extra.ips, *_more_ips(self.rng, self.fake, extra)]
            draft.subject = extra
        return draft


def _more_ips(rng: random.Random, fake: SafeIdentifiers, account: people.Account) -> list[str]:
    """One more address where the account's others are (none when its addresses are unregistered)."""
    location = account.location
    if location.kind in ("regency", "district") and location.place is not None:
        place = location.place
        return [fake.ipv4_in_block(place.v4_first, place.v4_size)]
    if location.kind == "mobile":
        return [fake.mobile_ipv4()]
    if location.kind == "abroad" and location.country is not None:
        return [fake.abroad_ipv4(location.country)]
    return []


_PLAIN: Weighted[Esp] = Weighted(CATALOGUE, [e.weight for e in CATALOGUE])


def _truth(draft: Draft, repeat: int | None) -> Truth:
    subject = draft.subject
    location = subject.location if subject is not None else people.Location("none")
    priority, reasons = priority_of(
        incident_type=draft.incident_type,
        annotations=draft.annotations,
        victim=draft.victim is not None,
        escalated=draft.escalated,
        imminent=draft.imminent,
        informational=draft.informational,
        bundled=draft.bundle is not None,
        abroad=location.kind == "abroad",
    )
    truth = Truth(priority, priority == "E", "unresolved", bundle=draft.bundle, subject=repeat, reasons=reasons)
    truth.lang = draft.lang
    place = location.place
    if location.kind in ("regency", "district") and place is not None:
        truth.location, truth.country, truth.province = location.kind, "ID", place.province
        truth.regency_code, truth.district = place.regency_code, place.district
    elif location.kind in ("mobile", "abroad"):
        truth.location, truth.country = location.kind, location.country
    elif location.estimate and place is not None:
        truth.location, truth.country, truth.province, truth.regency_code = (
            "estimate",
            "ID",
            place.province,
            place.regency_code,
        )
    return truth


def _report(draft: Draft, built: Built, truth: Truth) -> SeedReport:
    facts = built.facts
    found = facts.indicators()
    referral = bool(built.files) or any(i.kind in IDENTIFYING_KINDS for i in found)
    return SeedReport(
        index=draft.index,
        number=draft.number,
        esp=draft.esp.key,
        received_at=draft.received,
        body=built.body,
        digest=digest(built.body),
        files=built.files,
        found=found,
        captures=facts.captures,
        estimates=facts.estimates,
        kind="referral" if referral else "informational",
        urgent=draft.escalated,
        truth=truth,
    )


def generate_chunk(plan: Plan, chunk: int) -> list[SeedReport]:
    """Reports ``chunk * CHUNK`` up to the next chunk (or the plan's end), in arrival order."""
    with collector_paused():
        return _generate(plan, chunk)


def _generate(plan: Plan, chunk: int) -> list[SeedReport]:
    work = _Chunk(plan, chunk)
    rng, d, out = work.rng, plan.d, []
    for index in range(chunk * CHUNK, min((chunk + 1) * CHUNK, plan.reports)):
        received = as_time(plan, plan.tables.arrival((index + rng.random()) / plan.reports)).replace(microsecond=0)
        draw = rng.random()
        if work.originals and draw < d.exact_duplicate_share + d.near_duplicate_share:
            out.append(work.duplicate(index, received, exact=draw < d.exact_duplicate_share))
            continue
        draft, repeat = work.draft(index, received)
        facts = Facts()
        body = build_body(rng, work.fake, work.pool, draft, facts)
        alone = Facts(list(facts.hits), list(facts.captures), list(facts.estimates))
        report = _report(draft, Built(body, build_files(rng, work.fake, draft, facts), facts), _truth(draft, repeat))
        if draft.bundle is None:
            work.originals.append((draft, report, alone))
            del work.originals[:-RECENT]
        out.append(report)
    return out
