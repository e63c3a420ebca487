-- For the PDF and the DOCX: the "Download the data" links only make sense on the web page.
function Span(el)
  if el.classes:includes("download") then
    return {}
  end
end
