-- For the PDF: keep each footnote where it is called, so that WeasyPrint can float it
-- to the foot of the page (CSS float: footnote) instead of collecting endnotes.
function Note(el)
  return pandoc.Span(pandoc.utils.blocks_to_inlines(el.content), {class = "footnote"})
end
