"""What the link rules (VK201-VK206) share: classifying targets, walking subpaths, and
building messages and fixes that name the closest existing target.

Resolution itself lives in :class:`~vaultkit.vault.index.VaultIndex` (``outgoing`` resolves a
note's links once); this module turns an unresolved or half-resolved link into a
:class:`~vaultkit.api.Diagnostic`.  Every fix here is UNSAFE: a suggestion changes where a
link points, which only the writer can confirm.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from vaultkit.api import Applicability, Diagnostic, Edit, Fix, Severity
from vaultkit.model import Link, Note, fold
from vaultkit.rulekit.suggest import alias_owners, budget, similar_block, similar_files, similar_heading
from vaultkit.text.headings import strip_heading_for_link, walk
from vaultkit.vault.index import NoteFacts, Target, VaultIndex

# Obsidian's own formats (HELP "Accepted file formats") and files people commonly attach.
# A link whose name ends in one of these is an attachment link; any other name -- also
# "Chapter 3.1" or "v1.2" -- names a note (Obsidian retries such a name with ".md").
_ATTACHMENT_FORMATS = {
    "image": "avif bmp gif jpeg jpg png svg webp ico tif tiff heic",
    "audio": "flac m4a mp3 ogg wav webm 3gp aac opus",
    "video": "mkv mov mp4 ogv avi",
    "document": "pdf epub djvu doc docx xls xlsx ppt pptx odt ods odp rtf csv tsv txt json xml html htm",
    "archive": "zip 7z rar tar gz tgz bz2 xz",
    "code": "py ipynb js tex bib cpp java sh",
}
ATTACHMENT_EXTENSIONS = frozenset(ext for group in _ATTACHMENT_FORMATS.values() for ext in group.split())
_MD_DESTINATION = re.compile(r"[^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*")
_TABLE_ROW = re.compile(r"[ \t]*(?:>[ \t]*)*\|")


def is_attachment(target: str) -> bool:
    """Whether a link target names an attachment (an image, PDF, ...) rather than a note."""
    last = target.rsplit("/", 1)[-1]
    return "." in last and last.rsplit(".", 1)[1].lower() in ATTACHMENT_EXTENSIONS


def unresolved(note: Note, vault: VaultIndex) -> Iterator[Link]:
    """The note's internal links that name no file at all, where that says something.

    In a note that is not UTF-8, vaultkit's reading of non-ASCII text is a guess (and
    Obsidian, reading UTF-8, sees it garbled): a non-ASCII link that names no file is left
    to the encoding rules, which report the note.  A link that does resolve confirms the
    guess, so its heading or block is still checked.
    """
    guessed = note.decoded.error is not None
    for target in vault.outgoing(note):
        link = target.link
        if target.path is None and not (guessed and not note.text[link.start : link.end].isascii()):
            yield link


@dataclass(frozen=True, slots=True)
class Segment:
    """One ``#``-separated part of a subpath, with its offset inside the subpath string."""

    text: str
    offset: int


@lru_cache(maxsize=4096)
def segments(subpath: str | None) -> tuple[Segment, ...]:
    """The non-empty parts of ``#A#B`` or ``#^id`` (cached: the same subpaths recur)."""
    found, pos = [], 0
    for part in (subpath or "").split("#"):
        if part.strip():
            found.append(Segment(part, pos))
        pos += len(part) + 1
    return tuple(found)


def block_segment(parts: Sequence[Segment]) -> Segment | None:
    """The ``^id`` part of a subpath, if it is a block reference (the last such part)."""
    blocks = [p for p in parts if p.text.startswith("^")]
    return blocks[-1] if blocks else None


@lru_cache(maxsize=4096)
def _subpath_parts(subpath: str) -> tuple[tuple[Segment, ...], Segment | None]:
    """:func:`segments` and :func:`block_segment` of ``subpath``, found once per subpath."""
    parts = segments(subpath)
    return parts, block_segment(parts)


def linked_notes(
    note: Note, vault: VaultIndex
) -> tuple[tuple[Target, NoteFacts, tuple[Segment, ...], Segment | None], ...]:
    """Links with a subpath whose target is a readable note, with that note's facts (its
    headings and block ids: the note itself need not be loaded), the parts and the block part
    (:func:`block_segment`).  Found once per note: the heading and the block rule both walk them."""
    return vault.analysis(note, "links.linked", lambda n: tuple(_linked_notes(n, vault)))


def _linked_notes(
    note: Note, vault: VaultIndex
) -> Iterator[tuple[Target, NoteFacts, tuple[Segment, ...], Segment | None]]:
    for target in vault.outgoing(note):
        path, subpath = target.path, target.link.subpath
        if path is None or not subpath or not path.lower().endswith(".md"):
            continue
        linked = vault.outline(path)
        parts, block = _subpath_parts(subpath)
        if linked is not None and linked.read_error is None and parts:
            yield target, linked, parts, block


def or_list(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def note_label(vault: VaultIndex, note: Note, rel: str) -> str:
    return "this note" if rel == note.rel else f"'{vault.link_text(rel, note.rel)}'"


def in_table(note: Note, offset: int) -> bool:
    line_start = note.text.rfind("\n", 0, offset) + 1
    return bool(_TABLE_ROW.match(note.text, line_start))


def encode_destination(text: str) -> str:
    """A path as a Markdown link destination: the characters that would end it encoded."""
    for raw, code in (("%", "%25"), (" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        text = text.replace(raw, code)
    return text


def _angled(note: Note, link: Link) -> bool:
    return link.kind == "markdown" and note.text[link.target_start - 1 : link.target_start] == "<"


def target_edits(note: Note, link: Link, path: str, display: str | None = None) -> tuple[Edit, ...]:
    """Edits pointing ``link`` at ``path``; ``display`` is added as alias text to a wiki-link
    that has none, so that what the reader sees stays the same."""
    text = path if link.kind == "wiki" or _angled(note, link) else encode_destination(path)
    edits = [Edit(link.target_start, link.target_end, text)]
    if display and link.kind == "wiki" and link.display is None and not link.embed:
        bar = "\\|" if in_table(note, link.start) else "|"
        edits.append(Edit(link.end - 2, link.end - 2, bar + display))
    return tuple(edits)


def segment_edits(note: Note, link: Link, parts: Sequence[Segment], index: int, text: str) -> tuple[Edit, ...]:
    """Edits replacing subpath part ``index`` with ``text``."""
    start = link.target_end
    if link.kind == "wiki":
        part = parts[index]
        return (Edit(start + part.offset, start + part.offset + len(part.text), text),)
    subpath = link.subpath or ""
    part = parts[index]
    new = subpath[: part.offset] + text + subpath[part.offset + len(part.text) :]
    if _angled(note, link):
        return (Edit(start, note.text.index(">", start), new),)
    end = _MD_DESTINATION.match(note.text, start)
    return (Edit(start, end.end() if end else start, encode_destination(new)),)


def unsafe(title: str, edits: tuple[Edit, ...]) -> Fix:
    return Fix(title, edits, Applicability.UNSAFE)


def missing_file(note: Note, vault: VaultIndex, link: Link, what: str, severity: Severity | None = None) -> Diagnostic:
    """The finding for a link whose target names no file, with the closest file as a fix."""
    target = link.target
    message = f"no {what} '{target}'"
    owners = () if is_attachment(target) else alias_owners(vault, target)
    files = list(owners) or similar_files(vault, note, target)
    with_md = target.lower().endswith(".md")
    names = list(dict.fromkeys(_written(vault, rel, note.rel, with_md) for rel in files))
    if owners:
        message += f" ('{target}' is an alias of {or_list(names)}; Obsidian never resolves aliases)"
    fix = None
    if names:
        message += f" — did you mean {or_list(names[:3])}?"
        if len(names) == 1:
            display = target if owners else None  # [[AI]] -> [[Artificial Intelligence|AI]]
            fix = unsafe(f"Link to '{names[0]}'", target_edits(note, link, names[0], display))
    return Diagnostic(message, link.start, link.end, fix, severity)


def _written(vault: VaultIndex, rel: str, source: str, with_md: bool) -> str:
    """How a link from ``source`` names ``rel``; ``.md`` kept when the link wrote one."""
    text = vault.link_text(rel, source)
    return text + ".md" if with_md and rel.lower().endswith(".md") else text


def heading_problems(note: Note, vault: VaultIndex) -> Iterator[Diagnostic]:
    """Heading links (``#A#B``) into existing notes whose heading path does not resolve."""
    for target, linked, parts, block in linked_notes(note, vault):
        if block is not None:
            continue
        link, path = target.link, target.path or ""
        result = walk(vault.heading_keys(path), [p.text for p in parts])
        if result.matched == len(parts):
            continue
        missing = parts[result.matched].text.strip()
        where = note_label(vault, note, path)
        message = f"no heading '{missing}' in {where}"
        if result.matched:
            message = f"no heading '{missing}' under '{parts[result.matched - 1].text.strip()}' in {where}"
        eligible = [h for h in linked.headings[result.after :] if h.level > result.level]
        names = [strip_heading_for_link(h.text) for h in similar_heading(missing, eligible, budget(vault, note))]
        fix = None
        if names:
            message += f" — did you mean {or_list(names)}?"
            if len(names) == 1:
                fix = unsafe(
                    f"Link to heading '{names[0]}'", segment_edits(note, link, parts, result.matched, names[0])
                )
        yield Diagnostic(message, link.start, link.end, fix)


def block_problems(note: Note, vault: VaultIndex) -> Iterator[Diagnostic]:
    """Block references (``#^id``) into existing notes that have no such block id."""
    for target, linked, parts, block in linked_notes(note, vault):
        wanted = block.text[1:].strip() if block else ""
        path = target.path or ""
        if block is None or fold(wanted) in vault.block_ids(path):
            continue
        link = target.link
        message = f"no block '^{wanted}' in {note_label(vault, note, path)}"
        names = similar_block(wanted, [b.id for b in linked.blocks], budget(vault, note))
        fix = None
        if names:
            message += f" — did you mean {or_list(['^' + n for n in names])}?"
            if len(names) == 1:
                edits = segment_edits(note, link, parts, parts.index(block), "^" + names[0])
                fix = unsafe(f"Link to block '^{names[0]}'", edits)
        yield Diagnostic(message, link.start, link.end, fix)


def is_ambiguous(note: Note, target: Target) -> bool:
    """More than one file fits, and the one Obsidian opens is not the single one that sits
    in the linking note's own folder (the only choice a writer can take for granted)."""
    if len(target.candidates) < 2:
        return False
    folder = fold(posixpath.dirname(note.rel))
    here = [c for c in target.candidates if fold(posixpath.dirname(c)) == folder]
    return here != [target.candidates[0]]


def why_opened(source: str, winner: str, others: Sequence[str]) -> str:
    """Why Obsidian opens ``winner`` rather than ``others`` for a link from ``source`` (the
    order of :meth:`~vaultkit.index.VaultIndex.candidates`), for messages and editor hovers."""
    folder = fold(posixpath.dirname(source))
    if folder and fold(winner).startswith(folder) and not any(fold(o).startswith(folder) for o in others):
        return "it is under this note's folder"
    if all(len(winner) < len(o) for o in others):
        return "its path is the shortest"
    return "its path sorts first"
