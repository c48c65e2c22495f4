"""The hand-written part of the ``id-polri`` template: Polri's units and the places given to a city command.

Facts from the project's reference ``indonesia-units.md``; city-command names as the commands publish them. A unit
row is ``(code, name, kind, headquarters, parent code)``; parents come before their children.
"""

from __future__ import annotations

from app.units.models import UnitKind as K

Row = tuple[str, str, K, str | None, str | None]

NATIONAL: list[Row] = [
    ("mabes-polri", "Markas Besar Kepolisian Negara Republik Indonesia (Mabes Polri)", K.national_headquarters,
     "Jakarta", None),
    ("bareskrim", "Badan Reserse Kriminal Polri (Bareskrim)", K.national_agency, "Jakarta", "mabes-polri"),
    ("dittipidsiber", "Direktorat Tindak Pidana Siber (Dittipidsiber)", K.national_directorate, "Jakarta",
     "bareskrim"),
    ("dittipidsiber.review", "Dittipidsiber Review Queue (informational reports)", K.other, "Jakarta",
     "dittipidsiber"),
    ("dittipid-ppa-ppo",
     "Direktorat Tindak Pidana Perempuan dan Anak serta Pidana Perdagangan Orang (Dittipid PPA-PPO)",
     K.national_directorate, "Jakarta", "bareskrim"),
    ("dittipidum", "Direktorat Tindak Pidana Umum (Dittipidum)", K.national_directorate, "Jakarta", "bareskrim"),
    ("dittipideksus", "Direktorat Tindak Pidana Ekonomi dan Khusus (Dittipideksus)", K.national_directorate,
     "Jakarta", "bareskrim"),
    ("dittipidnarkoba", "Direktorat Tindak Pidana Narkoba (Dittipidnarkoba)", K.national_directorate, "Jakarta",
     "bareskrim"),
    ("dittipidter", "Direktorat Tindak Pidana Tertentu (Dittipidter)", K.national_directorate, "Jakarta",
     "bareskrim"),
]  # fmt: skip

# code suffix after "polda-", name after "Polda ", headquarters, ISO codes of the provinces covered
POLDA: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("aceh", "Aceh", "Banda Aceh", ("ID-AC",)),
    ("sumatera-utara", "Sumatera Utara", "Medan", ("ID-SU",)),
    ("sumatera-barat", "Sumatera Barat", "Padang", ("ID-SB",)),
    ("riau", "Riau", "Pekanbaru", ("ID-RI",)),
    ("kepulauan-riau", "Kepulauan Riau", "Batam", ("ID-KR",)),
    ("jambi", "Jambi", "Jambi", ("ID-JA",)),
    ("bengkulu", "Bengkulu", "Bengkulu", ("ID-BE",)),
    ("sumatera-selatan", "Sumatera Selatan", "Palembang", ("ID-SS",)),
    ("kepulauan-bangka-belitung", "Kepulauan Bangka Belitung", "Pangkalpinang", ("ID-BB",)),
    ("lampung", "Lampung", "Bandar Lampung", ("ID-LA",)),
    ("metro-jaya", "Metro Jaya", "Jakarta", ("ID-JK",)),  # and its cover in ID-JB and ID-BT: AREA_UNITS below
    ("banten", "Banten", "Serang", ("ID-BT",)),
    ("jawa-barat", "Jawa Barat", "Bandung", ("ID-JB",)),
    ("jawa-tengah", "Jawa Tengah", "Semarang", ("ID-JT",)),
    ("di-yogyakarta", "D.I. Yogyakarta", "Yogyakarta", ("ID-YO",)),
    ("jawa-timur", "Jawa Timur", "Surabaya", ("ID-JI",)),
    ("bali", "Bali", "Denpasar", ("ID-BA",)),
    ("nusa-tenggara-barat", "Nusa Tenggara Barat", "Mataram", ("ID-NB",)),
    ("nusa-tenggara-timur", "Nusa Tenggara Timur", "Kupang", ("ID-NT",)),
    ("kalimantan-barat", "Kalimantan Barat", "Pontianak", ("ID-KB",)),
    ("kalimantan-tengah", "Kalimantan Tengah", "Palangka Raya", ("ID-KT",)),
    ("kalimantan-selatan", "Kalimantan Selatan", "Banjarmasin", ("ID-KS",)),
    ("kalimantan-timur", "Kalimantan Timur", "Balikpapan", ("ID-KI",)),
    ("kalimantan-utara", "Kalimantan Utara", "Tanjung Selor", ("ID-KU",)),
    ("sulawesi-utara", "Sulawesi Utara", "Manado", ("ID-SA",)),
    ("gorontalo", "Gorontalo", "Gorontalo", ("ID-GO",)),
    ("sulawesi-tengah", "Sulawesi Tengah", "Palu", ("ID-ST",)),
    ("sulawesi-barat", "Sulawesi Barat", "Mamuju", ("ID-SR",)),
    ("sulawesi-selatan", "Sulawesi Selatan", "Makassar", ("ID-SN",)),
    ("sulawesi-tenggara", "Sulawesi Tenggara", "Kendari", ("ID-SG",)),
    ("maluku", "Maluku", "Ambon", ("ID-MA",)),
    ("maluku-utara", "Maluku Utara", "Ternate", ("ID-MU",)),
    ("papua", "Papua", "Jayapura", ("ID-PA", "ID-PS", "ID-PE")),  # until Papua Selatan and Pegunungan have theirs
    ("papua-barat", "Papua Barat", "Manokwari", ("ID-PB",)),
    ("papua-tengah", "Papua Tengah", "Nabire", ("ID-PT",)),  # established November 2024
    ("papua-barat-daya", "Papua Barat Daya", "Sorong", ("ID-PD",)),  # established November 2024
]

# the eight Polda with a stand-alone cyber directorate
DITSIBER = ("metro-jaya", "sumatera-utara", "bali", "jawa-barat", "jawa-timur", "jawa-tengah", "sulawesi-tengah",
            "papua")  # fmt: skip

# city commands: (code, name, kind, headquarters, Polda code suffix, the regency or city it covers or None)
COMMANDS: list[tuple[str, str, K, str, str, str | None]] = [
    ("polres-metro-jakarta-pusat", "Polres Metro Jakarta Pusat", K.polres, "Jakarta Pusat", "metro-jaya",
     "Kota Administrasi Jakarta Pusat"),
    ("polres-metro-jakarta-utara", "Polres Metro Jakarta Utara", K.polres, "Jakarta Utara", "metro-jaya",
     "Kota Administrasi Jakarta Utara"),
    ("polres-metro-jakarta-barat", "Polres Metro Jakarta Barat", K.polres, "Jakarta Barat", "metro-jaya",
     "Kota Administrasi Jakarta Barat"),
    ("polres-metro-jakarta-selatan", "Polres Metro Jakarta Selatan", K.polres, "Jakarta Selatan", "metro-jaya",
     "Kota Administrasi Jakarta Selatan"),
    ("polres-metro-jakarta-timur", "Polres Metro Jakarta Timur", K.polres, "Jakarta Timur", "metro-jaya",
     "Kota Administrasi Jakarta Timur"),
    ("polres-kepulauan-seribu", "Polres Kepulauan Seribu", K.polres, "Kepulauan Seribu", "metro-jaya",
     "Kabupaten Administrasi Kepulauan Seribu"),
    ("polres-pelabuhan-tanjung-priok", "Polres Pelabuhan Tanjung Priok", K.polres, "Jakarta Utara", "metro-jaya",
     None),
    ("polres-metro-depok", "Polres Metro Depok", K.polres, "Depok", "metro-jaya", "Kota Depok"),
    ("polres-metro-bekasi-kota", "Polres Metro Bekasi Kota", K.polres, "Bekasi", "metro-jaya", "Kota Bekasi"),
    ("polres-metro-bekasi", "Polres Metro Bekasi", K.polres, "Cikarang", "metro-jaya", "Kabupaten Bekasi"),
    ("polres-metro-tangerang-kota", "Polres Metro Tangerang Kota", K.polres, "Tangerang", "metro-jaya",
     "Kota Tangerang"),
    ("polres-tangerang-selatan", "Polres Tangerang Selatan", K.polres, "Tangerang Selatan", "metro-jaya",
     "Kota Tangerang Selatan"),
    ("polresta-bandara-soekarno-hatta", "Polresta Bandara Soekarno-Hatta", K.polresta, "Tangerang", "metro-jaya",
     None),  # the airport, in Kota Tangerang: no area of its own
    ("polresta-tangerang", "Polresta Tangerang", K.polresta, "Tigaraksa", "banten", None),  # kecamatan below
    ("polrestabes-medan", "Polrestabes Medan", K.polrestabes, "Medan", "sumatera-utara", "Kota Medan"),
    ("polrestabes-palembang", "Polrestabes Palembang", K.polrestabes, "Palembang", "sumatera-selatan",
     "Kota Palembang"),
    ("polrestabes-bandung", "Polrestabes Bandung", K.polrestabes, "Bandung", "jawa-barat", "Kota Bandung"),
    ("polrestabes-semarang", "Polrestabes Semarang", K.polrestabes, "Semarang", "jawa-tengah", "Kota Semarang"),
    ("polrestabes-surabaya", "Polrestabes Surabaya", K.polrestabes, "Surabaya", "jawa-timur", "Kota Surabaya"),
    ("polrestabes-makassar", "Polrestabes Makassar", K.polrestabes, "Makassar", "sulawesi-selatan", "Kota Makassar"),
    ("polresta-banda-aceh", "Polresta Banda Aceh", K.polresta, "Banda Aceh", "aceh", "Kota Banda Aceh"),
    ("polresta-padang", "Polresta Padang", K.polresta, "Padang", "sumatera-barat", "Kota Padang"),
    ("polresta-pekanbaru", "Polresta Pekanbaru", K.polresta, "Pekanbaru", "riau", "Kota Pekanbaru"),
    ("polresta-barelang", "Polresta Barelang", K.polresta, "Batam", "kepulauan-riau", "Kota Batam"),
    ("polresta-jambi", "Polresta Jambi", K.polresta, "Jambi", "jambi", "Kota Jambi"),
    ("polresta-bengkulu", "Polresta Bengkulu", K.polresta, "Bengkulu", "bengkulu", "Kota Bengkulu"),
    ("polresta-bandar-lampung", "Polresta Bandar Lampung", K.polresta, "Bandar Lampung", "lampung",
     "Kota Bandar Lampung"),
    ("polresta-bogor-kota", "Polresta Bogor Kota", K.polresta, "Bogor", "jawa-barat", "Kota Bogor"),
    ("polresta-surakarta", "Polresta Surakarta", K.polresta, "Surakarta", "jawa-tengah", "Kota Surakarta"),
    ("polresta-yogyakarta", "Polresta Yogyakarta", K.polresta, "Yogyakarta", "di-yogyakarta", "Kota Yogyakarta"),
    ("polresta-malang-kota", "Polresta Malang Kota", K.polresta, "Malang", "jawa-timur", "Kota Malang"),
    ("polresta-sidoarjo", "Polresta Sidoarjo", K.polresta, "Sidoarjo", "jawa-timur", "Kabupaten Sidoarjo"),
    ("polresta-denpasar", "Polresta Denpasar", K.polresta, "Denpasar", "bali", "Kota Denpasar"),
    ("polresta-mataram", "Polresta Mataram", K.polresta, "Mataram", "nusa-tenggara-barat", "Kota Mataram"),
    ("polresta-kupang-kota", "Polresta Kupang Kota", K.polresta, "Kupang", "nusa-tenggara-timur", "Kota Kupang"),
    ("polresta-pontianak", "Polresta Pontianak", K.polresta, "Pontianak", "kalimantan-barat", "Kota Pontianak"),
    ("polresta-palangka-raya", "Polresta Palangka Raya", K.polresta, "Palangka Raya", "kalimantan-tengah",
     "Kota Palangkaraya"),
    ("polresta-banjarmasin", "Polresta Banjarmasin", K.polresta, "Banjarmasin", "kalimantan-selatan",
     "Kota Banjarmasin"),
    ("polresta-balikpapan", "Polresta Balikpapan", K.polresta, "Balikpapan", "kalimantan-timur", "Kota Balikpapan"),
    ("polresta-samarinda", "Polresta Samarinda", K.polresta, "Samarinda", "kalimantan-timur", "Kota Samarinda"),
    ("polresta-manado", "Polresta Manado", K.polresta, "Manado", "sulawesi-utara", "Kota Manado"),
    ("polresta-palu", "Polresta Palu", K.polresta, "Palu", "sulawesi-tengah", "Kota Palu"),
    ("polresta-kendari", "Polresta Kendari", K.polresta, "Kendari", "sulawesi-tenggara", "Kota Kendari"),
    ("polresta-ambon", "Polresta Ambon dan Pulau-Pulau Lease", K.polresta, "Ambon", "maluku", "Kota Ambon"),
    ("polresta-jayapura-kota", "Polresta Jayapura Kota", K.polresta, "Jayapura", "papua", "Kota Jayapura"),
    ("polresta-manokwari", "Polresta Manokwari", K.polresta, "Manokwari", "papua-barat", "Kabupaten Manokwari"),
    ("polresta-sorong-kota", "Polresta Sorong Kota", K.polresta, "Sorong", "papua-barat-daya", "Kota Sorong"),
]  # fmt: skip

# regencies split between two Polda: they get kecamatan-level areas only
SPLIT_REGENCIES = ("Kabupaten Tangerang",)

_BANTEN = ("Balaraja", "Sukamulya", "Cikupa", "Tigaraksa", "Jambe", "Cisoka", "Solear", "Jayanti", "Mauk", "Rajeg",
           "Kresek", "Gunung Kaler", "Kronjo", "Mekar Baru", "Pasar Kemis", "Sindang Jaya", "Panongan")  # fmt: skip
_TANGERANG_SELATAN = ("Curug", "Pagedangan", "Kelapa Dua", "Legok")
_TANGERANG_KOTA = ("Teluknaga", "Pakuhaji", "Sepatan")

DISTRICT_UNITS: dict[tuple[str, str], str] = {
    **{("Kabupaten Tangerang", d): "polresta-tangerang" for d in _BANTEN},
    **{("Kabupaten Tangerang", d): "polres-tangerang-selatan" for d in _TANGERANG_SELATAN},
    **{("Kabupaten Tangerang", d): "polres-metro-tangerang-kota" for d in _TANGERANG_KOTA},
}

POLDA_PROVINCES: dict[str, tuple[str, ...]] = {f"polda-{code}": provinces for code, _n, _hq, provinces in POLDA}

AREA_UNITS: dict[str, str] = {regency: code for code, _n, _k, _hq, _p, regency in COMMANDS if regency is not None}

UNITS: list[Row] = [
    *NATIONAL,
    *((f"polda-{code}", f"Polda {name}", K.polda, hq, "mabes-polri") for code, name, hq, _p in POLDA),
    *(
        (f"polda-{code}.ditsiber", f"Ditsiber Polda {name}", K.directorate, hq, f"polda-{code}")
        for code, name, hq, _p in POLDA
        if code in DITSIBER
    ),
    *((code, name, kind, hq, f"polda-{polda}") for code, name, kind, hq, polda, _r in COMMANDS),
]
