"""What a format's pattern can match: the lengths and prefixes the detection prefilter uses.

Only the record lives here. The shapes are worked out from the patterns by ``pattern_shape``
when ``format_index.json`` is generated (see ``build_index``), so that loading them at run time
needs neither the regex parser nor this package's analysis code.
"""

from dataclasses import dataclass

# The prefilter keys formats by this many leading characters of the normalised number.
PREFIX_LENGTH = 2


@dataclass(frozen=True, slots=True)
class PatternShape:
    lengths: frozenset[int] | None  # every length a match can have; None: not bounded
    # Every possible first PREFIX_LENGTH characters of a match (shorter only for shorter matches).
    prefixes: frozenset[str] | None
    # How unlikely a random alphanumeric string is to match, in bits: log2(36) per fixed
    # character, log2(36/k) per character limited to k choices, nothing for optional parts.
    constraint_bits: float
    # Capturing groups inside optional parts (USPS's "420"+ZIP routing prefix) with their bits:
    # constraint_bits leaves them out, so a match that includes them may add them back.
    optional_group_bits: tuple[tuple[int, float], ...] = ()

    def admits(self, number: str) -> bool:
        """Whether a number of this length and prefix could match (False means it cannot)."""
        return (self.lengths is None or len(number) in self.lengths) and (
            self.prefixes is None or number[:PREFIX_LENGTH] in self.prefixes
        )
