"""A Faker provider for Dutch healthcare identifiers: BSN, AGB, UZOVI, verzekerdennummer, prestatie.

Registered the Faker way (``fake.add_provider(VecozoProvider)``) and usable without a world.
Faker's own nl_NL ``ssn`` never repeats a digit, which leaves out most valid BSNs; ``bsn`` here
draws from the whole valid space: any eight-digit prefix whose 11-proef check digit exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from faker.providers import BaseProvider

from identifiers import is_ascii_digits
from vektis import STANDARDS, make_bsn, practice_code, prestatiecodes

__all__ = ["PRESTATIECODES", "UZOVI_CODES", "ZORGVERLENERSOORTEN", "VecozoProvider"]

# UZOVI numbers of the simulated market (the insurers every generated world contains).
UZOVI_CODES: tuple[str, ...] = ("7095", "0101", "0699", "0736", "3361", "3311", "7119", "3332")

# AGB zorgverlenersoort -> what it is; the first two digits of an AGB code.
ZORGVERLENERSOORTEN: dict[str, str] = {
    "12": "tandartsen",
    "87": "mondhygiënisten",
    "90": "alternatieve zorg",
    "94": "psychologen",
    "75": "wijkverpleging (instellingen)",
    "04": "fysiotherapeuten",
}


def _codes(standard: str) -> tuple[str, ...]:
    """The prestatiecodes vektis knows for ``standard``: the lists the insurers judge against
    (an unknown code is rejected with 0582), so a generated code is never refused as unknown."""
    return tuple(p.code for p in prestatiecodes(standard))


# Every declaration standard with a prestatiecode list in vektis, name -> its codes.
PRESTATIECODES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {s.name: _codes(s.name) for s in STANDARDS.values() if not s.is_return and _codes(s.name)}
)


class VecozoProvider(BaseProvider):
    """``bsn``, ``agb``, ``praktijkcode``, ``uzovi``, ``verzekerdennummer``, ``prestatiecode``."""

    def bsn(self) -> str:
        """A BSN passing the 11-proef, uniform over the valid ones (about 10 in 11 prefixes)."""
        while True:
            found = make_bsn(self.generator.random.randrange(100_000_000))
            if found is not None:
                return found

    def agb(self, zorgverlenersoort: str | None = None) -> str:
        """A personal AGB code: two digits zorgverlenersoort, six digits number (not 0xxxxx).

        The number never starts with 0, because a 0 on the third position marks a practice code.
        """
        soort = zorgverlenersoort or self.random_element(tuple(ZORGVERLENERSOORTEN))
        if not is_ascii_digits(soort, length=2):
            raise ValueError(f"a zorgverlenersoort is two digits, not {soort!r}")
        return f"{soort}{self.generator.random.randrange(100_000, 1_000_000)}"

    def praktijkcode(self, zorgverlenersoort: str | None = None) -> str:
        """An AGB practice code, with its tussennul on the third position."""
        soort = zorgverlenersoort or self.random_element(tuple(ZORGVERLENERSOORTEN))
        return practice_code(soort, self.generator.random.randrange(1, 100_000))

    def uzovi(self) -> str:
        return str(self.random_element(UZOVI_CODES))

    def verzekerdennummer(self) -> str:
        """An insurer's member number: nine digits here, as most Dutch insurers print them."""
        return f"{self.generator.random.randrange(100_000_000, 1_000_000_000)}"

    def prestatiecode(self, standard: str | None = None) -> str:
        """A prestatiecode of ``standard`` (MZ301, OS301, EP301, AW319), or of any of them;
        always one of ``vektis.prestatiecodes(standard)``."""
        if standard is None:
            standard = self.random_element(tuple(PRESTATIECODES))
        codes = PRESTATIECODES.get(standard.upper())
        if codes is None:
            raise ValueError(f"no prestatiecodes for {standard!r}; known: {sorted(PRESTATIECODES)}")
        return str(self.random_element(codes))
