"""WeasyPrint, faster, with the same pages: work it repeats within one document is done once.

Each change replaces a function of WeasyPrint's by one that gives the same results for the same arguments, and
is made only where WeasyPrint's own function is the one this module knows (otherwise WeasyPrint is left as it
is). tests/test_pdf.py compares the pages made with and without them.
"""

from __future__ import annotations


def speed_up_weasyprint() -> list[str]:
    """Apply every change below (once per process); the names of those in effect."""
    changes = (remember_line_breaks, remember_struts, find_page_values_at_the_ends)
    return [change.__name__ for change in changes if change()]


def remember_line_breaks() -> bool:
    """Let WeasyPrint fit each text to a width once per document, not once per try.

    WeasyPrint lays the same text out at the same width again and again: every footnote added to a page lays out
    the whole footnote area anew, column balancing and page-break retries repeat lines, tables measure their cells.
    Its split_first_line is a function of its arguments (the text, the box's style object, the width, the spacing,
    the flags) within one layout context, so its results are kept in the context: the pages do not change, and
    about two thirds of the calls are answered at once. Left as it is if WeasyPrint's internals differ.
    """
    from weasyprint.layout import inline, preferred

    original = inline.split_first_line
    if getattr(original, "remembers", False):
        return True
    if preferred.split_first_line is not original:
        return False

    def split_first_line(text, style, context, max_width, justification_spacing, is_line_start=True,
                         minimum=False):
        cache = context.__dict__.setdefault("_briefkit_lines", {})
        key = (text, id(style), max_width, justification_spacing, is_line_start, minimum)
        kept = cache.get(key)
        if kept is not None and kept[0] is style:  # the style itself is kept, so its id is not reused
            return kept[1]
        result = original(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        cache[key] = (style, result)
        return result

    split_first_line.remembers = True
    inline.split_first_line = preferred.split_first_line = split_first_line
    return True


def remember_struts() -> bool:
    """Let WeasyPrint measure a style's line height once, not on every line and inline box that has it.

    Its strut(style) keeps its result under a key it builds as a string of fourteen properties, which costs more
    than the measure it saves; the result depends only on the style, so it is kept by the style object itself, held
    with it so that its id is not reused, in the document's font configuration. Left as it is if WeasyPrint's
    internals differ.
    """
    from weasyprint.css import computed_values, units
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    original = line_break.strut
    users = (inline, units, computed_values)
    if getattr(original, "remembers", False):
        return True
    if any(getattr(m, "strut", None) is not original for m in users):
        return False

    def strut(style):
        cache = style.font_config.__dict__.setdefault("_briefkit_struts", {})
        kept = cache.get(id(style))
        if kept is not None and kept[0] is style:
            return kept[1]
        result = original(style)
        cache[id(style)] = (style, result)
        return result

    strut.remembers = True
    for module in (line_break, *users):
        module.strut = strut
    return True


def find_page_values_at_the_ends() -> bool:
    """Let WeasyPrint find a box's first and last in-flow children without listing all of them.

    Between two blocks WeasyPrint compares the page names at their edges, and each box answers from its first and
    last in-flow or floated child, down the tree: a paragraph lists its hundreds of inline children to take two of
    them. Looking in from each end finds the same two. Made for WeasyPrint 70, whose method this is.
    """
    import weasyprint
    from weasyprint.formatting_structure import boxes

    original = boxes.ParentBox.__dict__.get("page_values")
    if getattr(original, "remembers", False):
        return True
    if original is None or not weasyprint.__version__.startswith("70."):
        return False
    own = boxes.Box.page_values

    def page_values(self):
        start_value, end_value = own(self)
        children = self.children
        first = next((child for child in children if child.is_in_normal_flow() or child.is_floated()), None)
        if first is not None:
            last = next(child for child in reversed(children) if child.is_in_normal_flow() or child.is_floated())
            start_value = first.page_values()[0] or start_value
            end_value = last.page_values()[1] or end_value
        return start_value, end_value

    page_values.remembers = True
    boxes.ParentBox.page_values = page_values
    return True
