"""Fonts that travel with the DOCX: the project's TrueType files embedded the way Word embeds them.

Word keeps each embedded face as an obfuscated part (word/fonts/*.odttf) related from the font table, where
w:embedRegular / w:embedBold / ... name it with the key that undoes the obfuscation (ECMA-376 Part 1, 17.8.1).
Word and LibreOffice then show the designed typefaces on machines that lack them; the panose, family and
signature in the font table let any other viewer choose a close substitute.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from briefkit.outputs.docx.openxml import NS, W_NS, el, w

LOG = logging.getLogger(__name__)
R_NS = NS["r"]
FONT_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FONT_TABLE = "word/fontTable.xml"
# The font-table slot of each face, by the subfamily name in the font's own name table.
SLOTS = {"Regular": "embedRegular", "Bold": "embedBold", "Italic": "embedItalic", "Bold Italic": "embedBoldItalic"}
# Graphite tables: no Word or LibreOffice layout of a DOCX reads them.
GRAPHITE_TABLES = ["Silf", "Glat", "Gloc", "Feat", "Sill", "Silt"]
# w:font children in schema order, and the generic family Word falls back on (w:family) by the PANOSE family
# and serif style of the font.
FONT_CHILDREN = ["altName", "panose1", "charset", "family", "notTrueType", "pitch", "sig", "embedRegular",
                 "embedBold", "embedItalic", "embedBoldItalic"]
LEVEL_TEXT = re.compile(rb'<w:lvlText w:val="([^"]*)"')  # bullets
TEXT = re.compile(rb"<w:(?:t|delText|instrText)(?:\s[^>]*)?>([^<]*)</w:(?:t|delText|instrText)>")


@dataclass(frozen=True)
class Face:
    """One font file of a family, and the slot of the font table it fills."""

    family: str
    slot: str
    path: Path


def faces(fonts_dir: Path) -> dict[str, list[Face]]:
    """The TrueType faces in a folder by family, one per slot (Regular, Bold, Italic, Bold Italic)."""
    found: dict[str, dict[str, Face]] = {}
    for path in sorted(fonts_dir.glob("*.ttf")):
        family, subfamily = _names(path)
        slot = SLOTS.get(subfamily)
        if slot is not None:
            found.setdefault(family, {}).setdefault(slot, Face(family, slot, path))
    return {family: [by_slot[s] for s in SLOTS.values() if s in by_slot] for family, by_slot in found.items()}


@functools.cache
def _names(path: Path) -> tuple[str, str]:
    from fontTools.ttLib import TTFont

    names = TTFont(str(path), lazy=True)["name"]
    return names.getDebugName(1) or path.stem, names.getDebugName(2) or "Regular"


def embed_fonts(parts: dict[str, bytes], fonts_dir: Path, language: str = "",
                cache_dir: Path | None = None) -> dict[str, bytes]:
    """The package's parts with every face of the families the document names embedded, subset to whole Unicode
    blocks (briefkit.fonts.repertoire: an editor can type any Western European language, and the scripts of the
    report's language and of its text); parts that change or are new, by name. cache_dir: where subsets are kept
    between builds.
    """
    from lxml import etree

    from briefkit.fonts import repertoire

    table = etree.fromstring(parts[FONT_TABLE])
    named = _families_named(parts)
    available = faces(fonts_dir)
    families = [family for family in sorted(available) if family in named]
    if not families:
        return {}
    blocks = repertoire(_characters(parts), language)
    relationships, added = [], {}
    for family in families:
        entry = _font_entry(table, family, available[family][0].path)
        for face in available[family]:
            data = subset_font(face.path, blocks, cache_dir)
            key = font_key(data)
            ident = f"rId{len(relationships) + 1}"
            name = f"fonts/font{len(relationships) + 1}.odttf"
            relationships.append((ident, name))
            added[f"word/{name}"] = obfuscate(data, key)
            _set_child(entry, face.slot, {f"{{{R_NS}}}id": ident, w("fontKey"): key})
        LOG.debug("docx: embedded %s (%d faces)", family, len(available[family]))
    added[FONT_TABLE] = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
    added["word/_rels/fontTable.xml.rels"] = _relationships(relationships)
    added["[Content_Types].xml"] = _with_font_type(parts["[Content_Types].xml"])
    return added


def _families_named(parts: dict[str, bytes]) -> set[str]:
    """The font families that styles, runs and the theme of the document ask for."""
    names: set[str] = set()
    for name, data in parts.items():
        if name.startswith("word/") and name.endswith(".xml"):
            names.update(m.decode("utf-8") for m in re.findall(rb'w:(?:ascii|hAnsi|cs|eastAsia)="([^"]+)"', data))
            names.update(m.decode("utf-8") for m in re.findall(rb'<a:latin typeface="([^"]+)"', data))
    return names


def _characters(parts: dict[str, bytes]) -> set[int]:
    """Every character of text in the document, its notes, headers and footers, and its bullets."""
    from xml.sax.saxutils import unescape

    found: set[int] = set()
    for name, data in parts.items():
        if name.startswith("word/") and name.endswith(".xml"):
            for text in TEXT.findall(data) + LEVEL_TEXT.findall(data):
                found.update(map(ord, unescape(text.decode("utf-8"), {"&quot;": '"', "&apos;": "'"})))
    return found


def subset_font(path: Path, blocks: tuple[str, ...], cache_dir: Path | None = None) -> bytes:
    """The font cut down to the glyphs of the Unicode `blocks` (and what its layout features reach from them),
    with its names, hinting and kerning; identical inputs give identical bytes. Made once per face and blocks.
    """
    from briefkit.fonts import cached_subset

    return cached_subset("docx", path, blocks, _subset, cache_dir)


def _subset(path: Path, characters: frozenset[int]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # Charis SIL dates its 'created' field from 1970, which fontTools reads as a Unix time and warns about.
    head_log = logging.getLogger("fontTools.ttLib.tables._h_e_a_d")
    quiet = logging.Filter("no such logger")
    head_log.addFilter(quiet)
    try:
        # Read lazily: the subsetter decompiles the tables and glyphs it keeps, the same bytes in less time.
        font = TTFont(str(path), recalcTimestamp=False)
        options = subset.Options()
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.glyph_names = False
        options.drop_tables = [*options.drop_tables, *GRAPHITE_TABLES]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(characters))
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
    finally:
        head_log.removeFilter(quiet)
    return out.getvalue()


def font_key(data: bytes) -> str:
    """A GUID for the obfuscation key, taken from the font's bytes so that a build repeats exactly."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376 font obfuscation: the first 32 bytes XOR the key's 16 bytes, read from the end of the GUID.

    The same function undoes it.
    """
    guid = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(byte ^ guid[i % 16] for i, byte in enumerate(data[:32]))
    return head + data[32:]


def _font_entry(table, family: str, regular: Path):
    """The font table's entry for a family, created from the font file's own PANOSE and signature."""
    from fontTools.ttLib import TTFont

    for entry in table.findall(w("font")):
        if entry.get(w("name")) == family:
            return entry
    os2 = TTFont(str(regular), lazy=True)["OS/2"]
    panose = os2.panose
    digits = [panose.bFamilyType, panose.bSerifStyle, panose.bWeight, panose.bProportion, panose.bContrast,
              panose.bStrokeVariation, panose.bArmStyle, panose.bLetterForm, panose.bMidline, panose.bXHeight]
    ranges = [os2.ulUnicodeRange1, os2.ulUnicodeRange2, os2.ulUnicodeRange3, os2.ulUnicodeRange4]
    pages = [os2.ulCodePageRange1, os2.ulCodePageRange2]
    # PANOSE serif styles 11 to 15 are the sans serifs: Word substitutes a sans for those, a serif for the rest.
    sans = panose.bFamilyType == 2 and 11 <= panose.bSerifStyle <= 15
    entry = el("font", {"name": family},
               el("panose1", {"val": "".join(f"{d:02X}" for d in digits)}),
               el("charset", {"val": "00"}),
               el("family", {"val": "swiss" if sans else "roman"}),
               el("pitch", {"val": "fixed" if os2.panose.bProportion == 9 else "variable"}),
               el("sig", {"usb0": f"{ranges[0]:08X}", "usb1": f"{ranges[1]:08X}", "usb2": f"{ranges[2]:08X}",
                          "usb3": f"{ranges[3]:08X}", "csb0": f"{pages[0]:08X}", "csb1": f"{pages[1]:08X}"}))
    table.insert(0, entry)
    return entry


def _set_child(entry, tag: str, attrs: dict[str, str]) -> None:
    """Add or replace a child of a w:font, in schema order."""
    from lxml import etree

    for old in entry.findall(w(tag)):
        entry.remove(old)
    child = etree.SubElement(entry, w(tag), nsmap={"w": W_NS, "r": R_NS})
    for name, value in attrs.items():
        child.set(name, value)
    rank = FONT_CHILDREN.index(tag)
    for sibling in entry:
        if sibling is not child and FONT_CHILDREN.index(sibling.tag.split("}")[1]) > rank:
            sibling.addprevious(child)
            break


def _relationships(relationships: list[tuple[str, str]]) -> bytes:
    rows = "".join(f'<Relationship Id="{ident}" Type="{FONT_RELATIONSHIP}" Target="{target}"/>'
                   for ident, target in relationships)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{RELATIONSHIPS_NS}">{rows}</Relationships>').encode()


def _with_font_type(content_types: bytes) -> bytes:
    """[Content_Types].xml with the type of .odttf parts."""
    from lxml import etree

    root = etree.fromstring(content_types)
    if not any(d.get("Extension") == "odttf" for d in root.iter(f"{{{CONTENT_TYPES_NS}}}Default")):
        default = etree.Element(f"{{{CONTENT_TYPES_NS}}}Default", Extension="odttf", ContentType=OBFUSCATED_FONT)
        root.insert(0, default)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
