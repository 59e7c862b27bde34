"""Dataset search with CKAN's query language, evaluated over the catalogue's search documents.

CKAN hands `q` and `fq` to Solr (reference/ckan.md §2): a `q` without `:` is a dismax query over
`name^4 title^4 tags^2 groups^2 text` with `mm = "2<-1 5<80%"`; anything else — and every `fq` — is a
Lucene query over the index fields (`organization:x`, `-groups:y`, `tags:"a b"`, `res_format:CSV`,
`metadata_modified:[2024-05-01T09:00:00Z TO *]`, `a OR b`, parentheses). This module parses that
language and evaluates it in-process over one document per dataset. Text fields are matched on
diacritic-folded word tokens, so "dien bien" finds "Điện Biên"; string fields (names, tags, formats)
match exactly, as in CKAN's Solr schema.
"""

from __future__ import annotations

import abc
import datetime as dt
import fnmatch
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.text import fold, tokens


class SearchQueryError(Exception):
    """Bad request parameters (CKAN: 400 "Search Query Error")."""


class SearchError(Exception):
    """The query could not run, e.g. an undefined field (CKAN: 409 "Search Error")."""


# -- documents ----------------------------------------------------------------------------------

@dataclass
class SearchDoc:
    name: str
    strings: dict[str, list[str]]  # exact-match fields: id, name, organization, groups, tags, res_format, …
    texts: dict[str, list[str]]  # folded token lists: name, title, notes, tags, groups, text, res_name, …
    dates: dict[str, dt.datetime]  # metadata_created, metadata_modified
    numbers: dict[str, float]  # num_resources, num_tags
    sort_keys: dict[str, Any] = field(default_factory=dict)
    token_sets: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.token_sets = {k: set(v) for k, v in self.texts.items()}


STRING_FIELDS = {"id", "name", "organization", "owner_org", "groups", "tags", "res_format", "license_id",
                 "capacity", "state", "dataset_type", "type", "res_url", "site_id", "entity_type", "url",
                 "version", "maintainer_email", "author_email", "res_type"}
TEXT_FIELDS = {"title", "notes", "text", "res_name", "res_description", "author", "maintainer", "title_ngram"}
DATE_FIELDS = {"metadata_created", "metadata_modified"}
NUMBER_FIELDS = {"num_resources", "num_tags", "views_total", "views_recent"}
DISMAX_FIELDS = (("name", 4.0), ("title", 4.0), ("tags", 2.0), ("groups", 2.0), ("text", 1.0))
DISMAX_TIE = 0.1
PHRASE_FIELDS = (("title", 4.0), ("tags", 2.0), ("notes", 2.0), ("text", 1.0))
SORT_FIELDS = {"score", "name", "title_string", "id", "metadata_modified", "metadata_created", "num_resources",
               "num_tags", "license_id", "organization", "views_recent", "views_total", "extras_access_level"}


def _known(fieldname: str) -> bool:
    return (fieldname in STRING_FIELDS or fieldname in TEXT_FIELDS or fieldname in DATE_FIELDS
            or fieldname in NUMBER_FIELDS or fieldname.startswith("extras_") or fieldname.startswith("res_extras_")
            or fieldname.startswith("vocab_"))


def _undefined(fieldname: str) -> SearchError:
    return SearchError(f"SOLR returned an error running query: undefined field {fieldname}")


# -- Lucene syntax ------------------------------------------------------------------------------

class Node(abc.ABC):
    @abc.abstractmethod
    def match(self, doc: SearchDoc) -> bool:
        """Whether the document satisfies this part of the query."""


@dataclass
class MatchAll(Node):
    def match(self, doc: SearchDoc) -> bool:
        return True


@dataclass
class And(Node):
    parts: list[Node]

    def match(self, doc: SearchDoc) -> bool:
        return all(p.match(doc) for p in self.parts)


@dataclass
class Or(Node):
    parts: list[Node]

    def match(self, doc: SearchDoc) -> bool:
        return any(p.match(doc) for p in self.parts)


@dataclass
class Not(Node):
    part: Node

    def match(self, doc: SearchDoc) -> bool:
        return not self.part.match(doc)


@dataclass
class Term(Node):
    fieldname: str
    value: str
    phrase: bool = False

    def __post_init__(self) -> None:
        if not _known(self.fieldname):
            raise _undefined(self.fieldname)
        self.wildcard = not self.phrase and ("*" in self.value or "?" in self.value)
        self.folded = tokens(self.value)

    def match(self, doc: SearchDoc) -> bool:
        f = self.fieldname
        if self.value == "*" and not self.phrase:
            return bool(_values(doc, f))
        if f in TEXT_FIELDS or (f not in doc.strings and f in doc.texts):
            seq = doc.texts.get(f, [])
            if self.wildcard:
                pattern = fold(self.value)
                return any(fnmatch.fnmatchcase(t, pattern) for t in seq)
            return _contains_phrase(seq, doc.token_sets.get(f, set()), self.folded)
        if f in DATE_FIELDS:
            value = doc.dates.get(f)
            bound = parse_date_bound(self.value)
            return value is not None and bound is not None and value == bound
        if f in NUMBER_FIELDS:
            try:
                return doc.numbers.get(f) == float(self.value)
            except ValueError:
                return False
        values = _values(doc, f)
        if self.wildcard:
            return any(fnmatch.fnmatchcase(v, self.value) for v in values)
        return self.value in values


@dataclass
class Range(Node):
    fieldname: str
    low: str
    high: str
    include_low: bool
    include_high: bool

    def __post_init__(self) -> None:
        if not _known(self.fieldname):
            raise _undefined(self.fieldname)
        if self.fieldname in DATE_FIELDS:
            self.lo = None if self.low == "*" else parse_date_bound(self.low)
            self.hi = None if self.high == "*" else parse_date_bound(self.high)
            if (self.low != "*" and self.lo is None) or (self.high != "*" and self.hi is None):
                raise SearchError(f"SOLR returned an error running query: Invalid Date String: "
                                  f"'{self.low if self.lo is None else self.high}'")
        elif self.fieldname in NUMBER_FIELDS:
            try:
                self.lo = None if self.low == "*" else float(self.low)
                self.hi = None if self.high == "*" else float(self.high)
            except ValueError as exc:
                raise SearchError(f"SOLR returned an error running query: {exc}") from exc
        else:
            self.lo = None if self.low == "*" else self.low
            self.hi = None if self.high == "*" else self.high

    def _in(self, value: Any) -> bool:
        if self.lo is not None and (value < self.lo or (value == self.lo and not self.include_low)):
            return False
        if self.hi is not None and (value > self.hi or (value == self.hi and not self.include_high)):
            return False
        return True

    def match(self, doc: SearchDoc) -> bool:
        f = self.fieldname
        if f in DATE_FIELDS:
            value = doc.dates.get(f)
            return value is not None and self._in(value)
        if f in NUMBER_FIELDS:
            value = doc.numbers.get(f)
            return value is not None and self._in(value)
        return any(self._in(v) for v in _values(doc, f))


def _values(doc: SearchDoc, fieldname: str) -> list[str]:
    if fieldname in doc.strings:
        return doc.strings[fieldname]
    if fieldname in doc.texts:
        return doc.texts[fieldname]
    if fieldname in doc.dates:
        return [doc.dates[fieldname].isoformat()]
    if fieldname in doc.numbers:
        return [str(doc.numbers[fieldname])]
    return []


def _contains_phrase(seq: Sequence[str], token_set: set[str], phrase: Sequence[str]) -> bool:
    if not phrase:
        return False
    if len(phrase) == 1:
        return phrase[0] in token_set
    if any(t not in token_set for t in phrase):
        return False
    n = len(phrase)
    first = phrase[0]
    for i, t in enumerate(seq):
        if t == first and list(seq[i:i + n]) == list(phrase):
            return True
    return False


_DATE_MATH = re.compile(r"([+-]\d+|/)(YEARS?|MONTHS?|DAYS?|DATE|HOURS?|MINUTES?|SECONDS?)")


def parse_date_bound(text: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """An ISO date/time (with or without Z), or Solr date math such as NOW-1DAY or NOW/DAY (naive UTC)."""
    text = text.strip().strip('"')
    if text.upper().startswith("NOW"):
        value = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        rest = text[3:].upper()
        pos = 0
        for m in _DATE_MATH.finditer(rest):
            if m.start() != pos:
                return None
            pos = m.end()
            op, unit = m.group(1), m.group(2).rstrip("S") if m.group(2) != "DATE" else "DAY"
            if op == "/":
                value = _round_down(value, unit)
            else:
                value = _shift(value, int(op), unit)
        return value if pos == len(rest) else None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _round_down(value: dt.datetime, unit: str) -> dt.datetime:
    if unit == "YEAR":
        return value.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "MONTH":
        return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "DAY":
        return value.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "HOUR":
        return value.replace(minute=0, second=0, microsecond=0)
    if unit == "MINUTE":
        return value.replace(second=0, microsecond=0)
    return value.replace(microsecond=0)


def _shift(value: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit in ("YEAR", "MONTH"):
        months = value.month - 1 + amount * (12 if unit == "YEAR" else 1)
        year, month = value.year + months // 12, months % 12 + 1
        day = min(value.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31,
                               30, 31, 31, 30, 31, 30, 31][month - 1])
        return value.replace(year=year, month=month, day=day)
    seconds = {"DAY": 86400, "HOUR": 3600, "MINUTE": 60, "SECOND": 1}[unit]
    return value + dt.timedelta(seconds=amount * seconds)


_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


class _Parser:
    """Recursive descent over the Lucene subset harvesters and CKAN clients send."""

    def __init__(self, text: str, default_field: str):
        self.s = text
        self.i = 0
        self.default_field = default_field

    def parse(self) -> Node:
        node = self._or(self.default_field)
        self._ws()
        if self.i < len(self.s):
            raise SearchError(f"SOLR returned an error running query: Cannot parse '{self.s}': "
                              f"unexpected '{self.s[self.i]}' at position {self.i}")
        return node

    def _ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def _peek_word(self, word: str) -> bool:
        self._ws()
        end = self.i + len(word)
        return self.s[self.i:end] == word and (end == len(self.s) or self.s[end].isspace() or self.s[end] in "()")

    def _or(self, fieldname: str) -> Node:
        parts = [self._and(fieldname)]
        while self._peek_word("OR") or self._peek("||"):
            self.i += 2
            parts.append(self._and(fieldname))
        return parts[0] if len(parts) == 1 else Or(parts)

    def _peek(self, token: str) -> bool:
        self._ws()
        return self.s.startswith(token, self.i)

    def _and(self, fieldname: str) -> Node:
        parts = [self._unary(fieldname)]
        while True:
            self._ws()
            if self.i >= len(self.s) or self.s[self.i] == ")" or self._peek_word("OR") or self._peek("||"):
                break
            if self._peek_word("AND"):
                self.i += 3
            elif self._peek("&&"):
                self.i += 2
            parts.append(self._unary(fieldname))
        return parts[0] if len(parts) == 1 else And(parts)

    def _unary(self, fieldname: str) -> Node:
        self._ws()
        if self._peek_word("NOT"):
            self.i += 3
            return Not(self._unary(fieldname))
        if self.i < len(self.s) and self.s[self.i] in "-!":
            self.i += 1
            return Not(self._unary(fieldname))
        if self.i < len(self.s) and self.s[self.i] == "+":
            self.i += 1
            return self._unary(fieldname)
        return self._primary(fieldname)

    def _primary(self, fieldname: str) -> Node:
        self._ws()
        if self.i >= len(self.s):
            raise SearchError(f"SOLR returned an error running query: Cannot parse '{self.s}': "
                              "Encountered \"<EOF>\"")
        ch = self.s[self.i]
        if ch == "(":
            self.i += 1
            node = self._or(fieldname)
            self._ws()
            if self.i >= len(self.s) or self.s[self.i] != ")":
                raise SearchError(f"SOLR returned an error running query: Cannot parse '{self.s}': missing ')'")
            self.i += 1
            return node
        m = _FIELD.match(self.s, self.i)
        if m and m.end() < len(self.s) and self.s[m.end()] == ":" and not self.s.startswith("://", m.end()):
            name = m.group(0)
            self.i = m.end() + 1
            self._ws()
            if self.i < len(self.s) and self.s[self.i] == "(":
                self.i += 1
                node = self._or(name)
                self._ws()
                if self.i >= len(self.s) or self.s[self.i] != ")":
                    raise SearchError(f"SOLR returned an error running query: Cannot parse '{self.s}': missing ')'")
                self.i += 1
                return node
            return self._value(name)
        if self.s.startswith("*:*", self.i):
            self.i += 3
            return MatchAll()
        return self._value(fieldname)

    def _value(self, fieldname: str) -> Node:
        self._ws()
        if self.i >= len(self.s):
            raise SearchError(f"SOLR returned an error running query: Cannot parse '{self.s}': "
                              "Encountered \"<EOF>\"")
        ch = self.s[self.i]
        if ch == '"':
            end = self.i + 1
            buf = []
            while end < len(self.s) and self.s[end] != '"':
                if self.s[end] == "\\" and end + 1 < len(self.s):
                    end += 1
                buf.append(self.s[end])
                end += 1
            if end >= len(self.s):
                raise SearchError(f"SOLR returned an error running query: Cannot parse '{self.s}': "
                                  "unterminated phrase")
            self.i = end + 1
            return Term(fieldname, "".join(buf), phrase=True)
        if ch in "[{":
            close = self.s.find("]" if ch == "[" else "}", self.i)
            alt = self.s.find("}" if ch == "[" else "]", self.i)
            ends = [e for e in (close, alt) if e != -1]
            if not ends:
                raise SearchError(f"SOLR returned an error running query: Cannot parse '{self.s}': unclosed range")
            end = min(ends)
            inner = self.s[self.i + 1:end]
            parts = re.split(r"\s+TO\s+", inner.strip())
            if len(parts) != 2:
                raise SearchError(f"SOLR returned an error running query: Cannot parse '{self.s}': bad range")
            node = Range(fieldname, parts[0].strip().strip('"'), parts[1].strip().strip('"'), ch == "[",
                         self.s[end] == "]")
            self.i = end + 1
            return node
        buf = []
        while self.i < len(self.s) and not self.s[self.i].isspace() and self.s[self.i] not in "()":
            if self.s[self.i] == "\\" and self.i + 1 < len(self.s):
                self.i += 1
            buf.append(self.s[self.i])
            self.i += 1
        value = "".join(buf)
        if not value:
            raise SearchError(f"SOLR returned an error running query: Cannot parse '{self.s}'")
        return Term(fieldname, value)


def parse_lucene(text: str, default_field: str = "text") -> Node:
    text = (text or "").strip()
    if not text or text in ("*:*", '""', "*"):
        return MatchAll()
    return _Parser(text, default_field).parse()


# -- dismax (free text) -----------------------------------------------------------------------

@dataclass
class Clause:
    terms: list[str]  # folded tokens; several = a phrase
    required: bool = False
    prohibited: bool = False


def parse_dismax(text: str) -> list[Clause]:
    clauses: list[Clause] = []
    for m in re.finditer(r'([+-]?)"([^"]*)"|([+-]?)(\S+)', text or ""):
        sign = m.group(1) or m.group(3) or ""
        raw = m.group(2) if m.group(2) is not None else m.group(4)
        if raw in ("AND", "OR", "&&", "||"):
            continue
        if raw == "NOT":
            sign = "-"
            continue
        terms = tokens(raw.replace("*", " "))
        if not terms:
            continue
        if m.group(2) is None and len(terms) > 1:
            # "hồ-sơ" → a phrase; "dien" → one term
            clauses.append(Clause(terms, sign == "+", sign == "-"))
        else:
            clauses.append(Clause(terms, sign == "+", sign == "-"))
    return clauses


def minimum_match(optional: int) -> int:
    """Solr mm = "2<-1 5<80%": all of up to 2 clauses, all but one of 3–5, 80 % (rounded down) above 5."""
    if optional <= 2:
        return optional
    if optional <= 5:
        return optional - 1
    return int(optional * 0.8)


class InvertedIndex:
    """Postings of the dismax fields: token → documents, and adjacent token pair → documents. Built once
    per catalogue index, so free-text search touches only the documents that contain the words."""

    FIELDS = ("name", "title", "tags", "groups", "notes", "text")

    def __init__(self, docs: Mapping[str, SearchDoc]):
        self.docs = docs
        self.postings: dict[str, dict[str, set[str]]] = {f: {} for f in self.FIELDS}
        self.pairs: dict[str, dict[tuple[str, str], set[str]]] = {f: {} for f in self.FIELDS}
        for name, doc in docs.items():
            for f in self.FIELDS:
                seq = doc.texts.get(f, [])
                postings, pairs = self.postings[f], self.pairs[f]
                for token in set(seq):
                    postings.setdefault(token, set()).add(name)
                for pair in set(zip(seq, seq[1:])):
                    pairs.setdefault(pair, set()).add(name)

    def containing(self, fieldname: str, terms: Sequence[str]) -> set[str]:
        """Documents whose field holds the terms as a phrase."""
        if not terms:
            return set()
        if len(terms) == 1:
            return self.postings[fieldname].get(terms[0], set())
        found = set(self.pairs[fieldname].get((terms[0], terms[1]), set()))
        for pair in zip(terms[1:], terms[2:]):
            found &= self.pairs[fieldname].get(pair, set())
        if len(terms) > 2:
            found = {n for n in found if _contains_phrase(self.docs[n].texts.get(fieldname, []),
                                                          self.docs[n].token_sets.get(fieldname, set()), terms)}
        return found


def _clause_scores(index: InvertedIndex, clause: Clause) -> dict[str, float]:
    best: dict[str, float] = {}
    total: dict[str, float] = {}
    for fieldname, weight in DISMAX_FIELDS:
        for name in index.containing(fieldname, clause.terms):
            if weight > best.get(name, 0.0):
                best[name] = weight
            total[name] = total.get(name, 0.0) + weight
    return {n: b + DISMAX_TIE * (total[n] - b) for n, b in best.items()}


def dismax_scores(index: InvertedIndex, clauses: list[Clause]) -> dict[str, float]:
    """Scores of the matching documents: per clause the best field weight (plus a tie share of the
    others), the clauses required by mm, times Lucene's coordination factor, plus phrase boosts."""
    optional = [c for c in clauses if not c.required and not c.prohibited]
    required = [c for c in clauses if c.required]
    prohibited = [c for c in clauses if c.prohibited]
    optional_scores = [_clause_scores(index, c) for c in optional]
    required_scores = [_clause_scores(index, c) for c in required]
    if optional:
        counts: Counter[str] = Counter()
        for scores in optional_scores:
            counts.update(scores.keys())
        need = minimum_match(len(optional))
        candidates = {n for n, k in counts.items() if k >= need} if need else set(index.docs)
    else:
        counts = Counter()
        candidates = set(index.docs)
    for scores in required_scores:
        candidates &= scores.keys()
    for clause in prohibited:
        candidates -= _clause_scores(index, clause).keys()
    if not optional and not required:
        return {n: 0.0 for n in candidates}
    out: dict[str, float] = {}
    for name in candidates:
        score = sum(s.get(name, 0.0) for s in optional_scores) + sum(s[name] for s in required_scores)
        if optional:
            score *= counts[name] / len(optional)  # Lucene's coordination factor: more of the words → higher
        out[name] = score
    # Phrase boost (Solr's pf2). Vietnamese words are one or more syllables ("hồ sơ", "Điện Biên"), so
    # query syllables found next to each other in the document are worth more than scattered ones.
    words = [t for c in optional for t in c.terms]
    for pair in zip(words, words[1:]):
        boost: dict[str, float] = {}
        for fieldname, weight in PHRASE_FIELDS:
            for name in index.containing(fieldname, pair):
                if weight > boost.get(name, 0.0):
                    boost[name] = weight
        for name, weight in boost.items():
            if name in out:
                out[name] += weight
    return out


# -- the search itself --------------------------------------------------------------------------

@dataclass
class SearchResult:
    count: int
    names: list[str]
    facets: dict[str, list[tuple[str, int]]]
    sort: str


def _parse_sort(sort: str) -> list[tuple[str, bool]]:
    keys: list[tuple[str, bool]] = []
    for part in (sort or "").split(","):
        bits = part.split()
        if not bits:
            continue
        if len(bits) > 2 or (len(bits) == 2 and bits[1].lower() not in ("asc", "desc")):
            raise SearchError(f"SOLR returned an error running query: Can't determine a Sort Order "
                              f"(asc or desc) in sort spec '{part.strip()}'")
        name = bits[0]
        if name not in SORT_FIELDS and not name.startswith("extras_"):
            raise SearchError(f"SOLR returned an error running query: sort param field can't be found: {name}")
        keys.append((name, len(bits) == 2 and bits[1].lower() == "desc"))
    return keys


def search(
    docs: Mapping[str, SearchDoc],
    *,
    q: str = "",
    fq: Iterable[str] = (),
    sort: str | None = None,
    start: int = 0,
    rows: int = 10,
    facet_fields: Iterable[str] = (),
    facet_limit: int = 50,
    facet_mincount: int = 1,
    allowed: Callable[[str], bool] = lambda name: True,
    dismax_always: bool = False,
    inverted: InvertedIndex | None = None,
) -> SearchResult:
    """Run a CKAN-style search. `dismax_always` treats `q` as plain text even with a `:` (the portal);
    `inverted` is the documents' prebuilt `InvertedIndex` (built here when not given)."""
    q = (q or "").strip()
    scores: dict[str, float] = {}
    node: Node | None = None
    dismax: dict[str, float] | None = None
    if not q or q in ("*:*", '""'):
        pass
    elif ":" in q and not dismax_always:
        node = parse_lucene(q)
    else:
        clauses = parse_dismax(q)
        if clauses:
            dismax = dismax_scores(inverted or InvertedIndex(docs), clauses)
    filters = [parse_lucene(f) for f in fq if f and f.strip()]

    matched: list[SearchDoc] = []
    candidates = docs.keys() if dismax is None else [n for n in docs if n in dismax]
    for name in candidates:
        if not allowed(name):
            continue
        doc = docs[name]
        if filters and not all(f.match(doc) for f in filters):
            continue
        if node is not None and not node.match(doc):
            continue
        scores[name] = dismax[name] if dismax is not None else (1.0 if node is not None else 0.0)
        matched.append(doc)

    sort_text = sort or "score desc, metadata_modified desc"
    keys = _parse_sort(sort_text)
    ordered = sorted(matched, key=lambda d: d.name)  # final tie-breaker: stable paging for harvesters
    for name, desc in reversed(keys):
        ordered.sort(key=lambda d, n=name: _sort_value(d, n, scores), reverse=desc)

    facets: dict[str, list[tuple[str, int]]] = {}
    for fieldname in facet_fields:
        if not _known(fieldname):
            raise _undefined(fieldname)
        counter: Counter[str] = Counter()
        for doc in matched:
            for value in set(_values(doc, fieldname)):
                counter[value] += 1
        items = sorted(((v, c) for v, c in counter.items() if c >= facet_mincount), key=lambda vc: (-vc[1], vc[0]))
        facets[fieldname] = items if facet_limit < 0 else items[:facet_limit]

    start = max(start, 0)
    page = ordered[start:start + rows] if rows > 0 else []
    return SearchResult(count=len(matched), names=[d.name for d in page], facets=facets, sort=sort_text)


def _sort_value(doc: SearchDoc, key: str, scores: Mapping[str, float]) -> Any:
    if key == "score":
        return scores.get(doc.name, 0.0)
    if key in doc.sort_keys:
        return doc.sort_keys[key]
    if key in DATE_FIELDS:
        return doc.dates.get(key, dt.datetime.min)
    if key in NUMBER_FIELDS:
        return doc.numbers.get(key, 0)
    values = _values(doc, key)
    return values[0] if values else ""
