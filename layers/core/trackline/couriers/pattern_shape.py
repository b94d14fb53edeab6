"""What a format pattern can match, read from its parse tree (build time only).

Detection uses the shape twice: the possible lengths and two-character prefixes let it skip
most formats without running their regex, and the "constraint bits" rank a more specific
format above a looser one. Both are computed from the pattern itself so the format data stays
the single source of truth. Lookaheads are ignored and anything the walker does not understand
widens the answer (None = "could be anything", zero bits), so the prefilter never rejects a
number its format would accept.

This analysis runs when ``format_index.json`` is generated (``python -m
trackline.couriers.build_index``), never on the request path: the package loads the shapes
from that file.
"""

import math
import string
from collections.abc import Iterable
from re import _constants as sre  # the parser's opcodes; stable across CPython 3.11-3.13
from re import _parser

from .shape import PREFIX_LENGTH, PatternShape

# Normalised tracking numbers are upper-case letters and digits; other characters never match a format.
ALPHABET = frozenset(string.ascii_uppercase + string.digits)
_BITS_PER_FIXED_CHAR = math.log2(len(ALPHABET))
_MAX_LENGTH = 100  # longer (or unbounded) patterns are not indexed by length
_MAX_PREFIXES = len(ALPHABET) ** PREFIX_LENGTH
_CATEGORY_CHARS = {
    sre.CATEGORY_DIGIT: frozenset(string.digits),
    sre.CATEGORY_WORD: ALPHABET,
    sre.CATEGORY_SPACE: frozenset(),
}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre.ASSERT, sre.ASSERT_NOT, sre.AT)


class _Unknown(Exception):
    """The walker met a construct it does not model; the caller widens its answer."""


def shape_of(pattern: str) -> PatternShape:
    tree = _parser.parse(pattern)
    return PatternShape(
        lengths=_widened(_lengths, tree),
        prefixes=_widened(lambda t: frozenset(_prefixes(t, PREFIX_LENGTH)), tree),
        constraint_bits=_bits(tree),
        optional_group_bits=tuple(_optional_groups(tree, inside_optional=False)),
    )


def _widened(walk, tree):
    try:
        return walk(tree)
    except _Unknown:
        return None


def _set_chars(items: Iterable) -> frozenset[str]:
    chars: set[str] = set()
    for op, arg in items:
        if op is sre.LITERAL:
            chars.add(chr(arg))
        elif op is sre.RANGE:
            chars.update(chr(code) for code in range(arg[0], arg[1] + 1))
        elif op is sre.CATEGORY and arg in _CATEGORY_CHARS:
            chars |= _CATEGORY_CHARS[arg]
        else:  # NEGATE and exotic categories
            raise _Unknown
    return frozenset(chars & ALPHABET)


# --- possible lengths -------------------------------------------------------------------------


def _lengths(sequence: Iterable) -> frozenset[int]:
    total = frozenset({0})
    for op, arg in sequence:
        item = _item_lengths(op, arg)
        total = frozenset(a + b for a in total for b in item if a + b <= _MAX_LENGTH)
        if not total:
            raise _Unknown
    return total


def _item_lengths(op, arg) -> frozenset[int]:
    if op in (sre.LITERAL, sre.IN, sre.ANY, sre.NOT_LITERAL):
        return frozenset({1})
    if op is sre.SUBPATTERN:
        return _lengths(arg[-1])
    if op is sre.ATOMIC_GROUP:
        return _lengths(arg)
    if op is sre.BRANCH:
        return frozenset().union(*(_lengths(branch) for branch in arg[1]))
    if op in _REPEATS:
        low, high, body = arg
        if high > _MAX_LENGTH:
            raise _Unknown
        body_lengths = _lengths(body)
        found, current = set(), frozenset({0})
        for count in range(high + 1):
            if count >= low:
                found |= current
            current = frozenset(a + b for a in current for b in body_lengths if a + b <= _MAX_LENGTH)
        return frozenset(found)
    if op in _ZERO_WIDTH:
        return frozenset({0})
    raise _Unknown


# --- possible prefixes ------------------------------------------------------------------------


def _extend(heads: set[str], sequence_prefixes, limit: int) -> set[str]:
    """Append what can follow to every head still shorter than the limit."""
    extended = set()
    for head in heads:
        room = limit - len(head)
        if room == 0:
            extended.add(head)
        else:
            extended.update(head + tail for tail in sequence_prefixes(room))
    if len(extended) > _MAX_PREFIXES:
        raise _Unknown
    return extended


def _prefixes(sequence: Iterable, limit: int) -> set[str]:
    heads = {""}
    for op, arg in sequence:
        heads = _extend(heads, lambda room, op=op, arg=arg: _item_prefixes(op, arg, room), limit)
    return heads


def _item_prefixes(op, arg, limit: int) -> set[str]:
    if op is sre.LITERAL:
        return {chr(arg)}
    if op is sre.IN:
        return set(_set_chars(arg))
    if op is sre.SUBPATTERN:
        return _prefixes(arg[-1], limit)
    if op is sre.ATOMIC_GROUP:
        return _prefixes(arg, limit)
    if op is sre.BRANCH:
        return set().union(*(_prefixes(branch, limit) for branch in arg[1]))
    if op in _REPEATS:
        low, high, body = arg
        if body.getwidth()[0] == 0:
            raise _Unknown  # a body that can match nothing could repeat without consuming
        # Each repetition consumes a character, so after `limit` of them the prefix is settled.
        found, current = set(), {""}
        for count in range(min(high, limit) + 1):
            if count >= min(low, limit):
                found |= current
            current = _extend(current, lambda room: _prefixes(body, room), limit)
        return found
    if op in _ZERO_WIDTH:
        return {""}
    raise _Unknown


# --- specificity ------------------------------------------------------------------------------


def _bits(sequence: Iterable) -> float:
    return sum(_bits_of(op, arg) for op, arg in sequence)


def _bits_of(op, arg) -> float:
    if op is sre.LITERAL:
        return _BITS_PER_FIXED_CHAR
    if op is sre.IN:
        try:
            chars = _set_chars(arg)
        except _Unknown:
            return 0.0
        return math.log2(len(ALPHABET) / len(chars)) if chars else 0.0
    if op is sre.SUBPATTERN:
        return _bits(arg[-1])
    if op is sre.ATOMIC_GROUP:
        return _bits(arg)
    if op is sre.BRANCH:
        # Rank by the loosest alternative: we do not know which one matched.
        return min(_bits(branch) for branch in arg[1])
    if op in _REPEATS:
        return arg[0] * _bits(arg[2])
    return 0.0


def _optional_groups(sequence: Iterable, *, inside_optional: bool) -> Iterable[tuple[int, float]]:
    for op, arg in sequence:
        if op is sre.SUBPATTERN:
            group, body = arg[0], arg[-1]
            if inside_optional and group is not None:
                yield group, _bits(body)  # the outermost such group only, or bits would count twice
            else:
                yield from _optional_groups(body, inside_optional=inside_optional)
        elif op in _REPEATS:
            yield from _optional_groups(arg[2], inside_optional=inside_optional or arg[0] == 0)
        elif op is sre.BRANCH:
            for branch in arg[1]:
                yield from _optional_groups(branch, inside_optional=inside_optional)
