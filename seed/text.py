"""Bland procedural free text in English (``en``) and Indonesian (``id``).

Templates state account and platform facts only (dates, counts, account states, metadata); none describes any
content or conduct. Each function takes the random generator and the facts to fill in.
"""

from __future__ import annotations

import random

from seed.rand import pick

HOBBIES = {
    "en": ("football", "cooking", "motorbikes", "photography", "music", "mobile games", "travel", "badminton"),
    "id": ("sepak bola", "memasak", "motor", "fotografi", "musik", "game", "jalan-jalan", "bulu tangkis"),
}


def _pick(rng: random.Random, options: tuple[str, ...]) -> str:
    return pick(rng, options)


def profile_bio(rng: random.Random, lang: str, year: int) -> str:
    hobby = _pick(rng, HOBBIES[lang])
    if lang == "id":
        return _pick(rng, (f"Suka {hobby}. Bergabung sejak {year}.", f"{hobby.capitalize()} | sejak {year}"))
    return _pick(rng, (f"Into {hobby}. Member since {year}.", f"{hobby.capitalize()} fan | joined {year}"))


def account_info(rng: random.Random, lang: str, created: str, logins: int, addresses: int) -> str:
    if addresses == 0:
        return f"Akun dibuat pada {created}." if lang == "id" else f"Account created on {created}."
    if lang == "id":
        return (
            f"Akun dibuat pada {created}. Tercatat {logins} login dari {addresses} alamat IP selama periode peninjauan."
        )
    return f"Account created on {created}. {logins} logins from {addresses} IP addresses during the review period."


def report_info(rng: random.Random, lang: str, detected: str, files: int, service: str) -> str:
    if lang == "id":
        return _pick(
            rng,
            (
                f"Laporan dibuat dari deteksi otomatis di {service} pada {detected}. Jumlah berkas terlampir: {files}.",
                f"Ditinjau oleh tim kepercayaan dan keamanan {service}. Berkas terlampir: {files}.",
            ),
        )
    return _pick(
        rng,
        (
            f"Report generated from automated detection on {service} at {detected}. Files attached: {files}.",
            f"Reviewed by the {service} trust and safety team. Files attached: {files}.",
        ),
    )


def chat_content(rng: random.Random, lang: str, messages: int, accounts: int, days: int, attachments: int) -> str:
    if lang == "id":
        return (
            f"Metadata percakapan: {messages} pesan antara akun terlapor dan {accounts} akun lain selama {days} hari; "
            f"{attachments} lampiran. Isi pesan tidak disertakan."
        )
    return (
        f"Conversation metadata: {messages} messages between the reported account and {accounts} other account(s) "
        f"over {days} day(s); {attachments} attachment(s). Message text withheld."
    )


def email_content(rng: random.Random, lang: str, messages: int, days: int) -> str:
    if lang == "id":
        return (
            "Header dan baris subjek disimpan oleh penyedia; isi pesan tidak disertakan. "
            f"{messages} pesan, {days} hari."
        )
    return (
        "Headers and subject lines retained by the provider; message bodies withheld. "
        f"{messages} messages, {days} days."
    )


def gaming_content(rng: random.Random, lang: str, sessions: int, messages: int) -> str:
    if lang == "id":
        return (
            f"{sessions} sesi permainan bersama dan {messages} pesan dalam game tercatat. Isi pesan tidak disertakan."
        )
    return f"{sessions} shared game sessions and {messages} in-game messages recorded. Message text withheld."


def escalation(rng: random.Random, lang: str, hours: int) -> str:
    if lang == "id":
        return (
            f"Penyedia meminta peninjauan prioritas: akun terlapor aktif dalam {hours} jam terakhir dan masih "
            "berkomunikasi dengan akun milik anak."
        )
    return (
        f"The reporting ESP requests priority review: the reported account was active within the past {hours} hours "
        "and remains in contact with a minor's account."
    )


def recent_activity(rng: random.Random, lang: str, hours: int, age: int) -> str:
    """Facts that show urgency without an escalation request (the trainee should notice them)."""
    if lang == "id":
        return (
            f"Akun korban menyatakan usia {age} tahun. "
            f"Kontak terakhir dengan akun terlapor: {hours} jam sebelum laporan."
        )
    return (
        f"The victim account states an age of {age}. "
        f"Last contact with the reported account: {hours} hours before the report."
    )


def disabled_note(rng: random.Random, lang: str, when: str) -> str:
    if lang == "id":
        return f"Akun dinonaktifkan oleh penyedia pada {when}."
    return f"Account disabled by the provider on {when}."


def detection_description(rng: random.Random, lang: str) -> str:
    if lang == "id":
        return _pick(rng, ("Waktu deteksi otomatis.", "Waktu peninjauan oleh moderator."))
    return _pick(rng, ("Time of automated detection.", "Time of moderator review."))


def terms_of_service(lang: str, service: str, section: int) -> str:
    if lang == "id":
        return f"Dilaporkan berdasarkan Ketentuan Layanan {service}, bagian {section}."
    return f"Reported under the {service} Terms of Service, section {section}."


def analyst_note(lang: str, priority: str, unit: str) -> str:
    if lang == "id":
        return f"Prioritas yang diharapkan {priority}; unit yang diharapkan: {unit}."
    return f"Expected priority {priority}; expected unit: {unit}."
