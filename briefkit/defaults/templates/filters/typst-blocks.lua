-- For the Typst PDF: hand the template what the print CSS selects on. Pandoc's Typst writer drops the
-- ids and classes of divs and has no sections; here each top-level section and each div with an id or
-- a class becomes a call of the template's bk-section / bk-div, and each image gets its alt text.

local function typst_string(text)
  return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', ' ') .. '"'
end

local function typst_array(items)
  local quoted = {}
  for _, item in ipairs(items) do
    quoted[#quoted + 1] = typst_string(item)
  end
  -- A one-element array needs its trailing comma in Typst.
  return '(' .. table.concat(quoted, ', ') .. (#quoted == 1 and ',' or '') .. ')'
end

local function label(id)
  if id == nil or id == '' then
    return ''
  end
  return ' <' .. id .. '>'
end

function Div(el)
  if el.identifier == '' and #el.classes == 0 then
    return nil
  end
  local open = '#bk-div(' .. typst_string(el.identifier) .. ', ' .. typst_array(el.classes) .. ')['
  local blocks = {pandoc.RawBlock('typst', open)}
  for _, block in ipairs(el.content) do
    blocks[#blocks + 1] = block
  end
  blocks[#blocks + 1] = pandoc.RawBlock('typst', ']' .. label(el.identifier))
  return blocks
end

function Image(el)
  local alt = el.attributes['alt'] or pandoc.utils.stringify(el.caption)
  local call = 'image(' .. typst_string(el.src)
  if alt ~= '' then
    call = call .. ', alt: ' .. typst_string(alt)
  end
  return pandoc.RawInline('typst', '#' .. call .. ')')
end

-- Runs last: wrap each level-1 section, heading included, so the template can style it by its id
-- (as print.css styles #key-judgements and #data-notes).
function Pandoc(doc)
  local out, current = {}, nil
  local function close()
    if current then
      out[#out + 1] = pandoc.RawBlock('typst', ']')
      current = nil
    end
  end
  for _, block in ipairs(doc.blocks) do
    if block.t == 'Header' and block.level == 1 then
      close()
      current = block.identifier
      out[#out + 1] = pandoc.RawBlock('typst', '#bk-section(' .. typst_string(current) .. ')[')
    end
    out[#out + 1] = block
  end
  close()
  doc.blocks = out
  return doc
end
