-- For the PDF: keep each footnote where it is called, so that WeasyPrint can float it
-- to the foot of the page (CSS float: footnote) instead of collecting endnotes.
--
-- Then tie each call to the word before it: the word and the note go into one span of class
-- "nobreak" (white-space: nowrap in print.css), so that a line never starts with a call.
-- WeasyPrint would otherwise break between a word's last letter and the call that follows it.

local function note_to_span(el)
  return pandoc.Span(pandoc.utils.blocks_to_inlines(el.content), {class = "footnote"})
end

local function is_footnote(el)
  return el.t == "Span" and el.classes:includes("footnote")
end

-- A call: a footnote span, or a citation whose content is only footnote spans (citeproc, note style).
local function is_call(el)
  if is_footnote(el) then
    return true
  end
  if el.t ~= "Cite" or #el.content == 0 then
    return false
  end
  for _, inner in ipairs(el.content) do
    if not is_footnote(inner) then
      return false
    end
  end
  return true
end

-- What a call may be tied to: a word, or an inline of one word (emphasis, a quotation, a link).
local function is_word(el)
  if el.t == "Str" then
    return true
  end
  local containers = {Emph = true, Strong = true, Quoted = true, Link = true, Span = true, Code = true,
                      SmallCaps = true, Underline = true, Strikeout = true, Superscript = true, Subscript = true}
  return containers[el.t] == true and not pandoc.utils.stringify(el):find("%s")
end

local function is_tie(el)
  return el.t == "Span" and el.classes:includes("nobreak")
end

local function tie_calls(inlines)
  local out = pandoc.List()
  for _, el in ipairs(inlines) do
    local last = out[#out]
    if is_call(el) and last ~= nil and is_tie(last) then
      last.content:insert(el)  -- a second call after the first stays with it
    elseif is_call(el) and last ~= nil and is_word(last) and not is_tie(last) and not is_call(last) then
      out[#out] = pandoc.Span({last, el}, {class = "nobreak"})
    else
      out:insert(el)
    end
  end
  return out
end

-- A figure joined by no-break spaces ("USD 865 million", "1,2 Mrd. USD"): no line break at its spaces, and no
-- hyphen inside its scale word either ("mil-lion"), which WeasyPrint would otherwise add in justified text.
local function hold_figure(el)
  if el.text:find("\u{a0}") or el.text:find("\u{202f}") then
    return pandoc.Span({el}, {class = "figure-text"})
  end
end

return {
  {Str = hold_figure},
  {Note = note_to_span},
  {Inlines = tie_calls},
}
