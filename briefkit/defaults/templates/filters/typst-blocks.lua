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

-- A figure joined by no-break spaces ("USD 865 million") is set in a box: no line break and no hyphen in it.
function Str(el)
  if el.text:find("\u{a0}") or el.text:find("\u{202f}") then
    return {pandoc.RawInline('typst', '#box['), el, pandoc.RawInline('typst', ']')}
  end
end

function Image(el)
  local alt = el.attributes['alt'] or pandoc.utils.stringify(el.caption)
  local call = 'image(' .. typst_string(el.src)
  if alt ~= '' then
    call = call .. ', alt: ' .. typst_string(alt)
  end
  return pandoc.RawInline('typst', '#' .. call .. ')')
end

-- A page break in a table leaves at least three rows at each end, or the whole of a table of five rows or
-- fewer (print.css: break-after and break-before: avoid on the first and last rows; Word: keep with next).
-- Typst keeps the rows that one unbreakable cell spans on one page (the template makes every cell
-- unbreakable), so each table gets a first column of no width whose empty cells span its first three rows
-- and its last three (all its rows, in a short table). A table whose cells span rows or columns already, or
-- that has more than one body, is left as it is.
local KEPT_ROWS = 3

local function plain_rows(rows)
  for _, row in ipairs(rows) do
    for _, cell in ipairs(row.cells) do
      if cell.row_span ~= 1 or cell.col_span ~= 1 then
        return false
      end
    end
  end
  return true
end

function Table(el)
  if #el.bodies ~= 1 or #el.bodies[1].head > 0 or not plain_rows(el.bodies[1].body)
      or not plain_rows(el.head.rows) or not plain_rows(el.foot.rows) then
    return nil
  end
  local rows = el.bodies[1].body
  local count = #rows
  if count == 0 then
    return nil
  end
  table.insert(el.colspecs, 1, {pandoc.AlignDefault, 0})
  for index, row in ipairs(rows) do
    local span = nil
    if count < 2 * KEPT_ROWS then
      span = index == 1 and count or nil
    elseif index == 1 or index == count - KEPT_ROWS + 1 then
      span = KEPT_ROWS
    elseif index > KEPT_ROWS and index <= count - KEPT_ROWS then
      span = 1
    end
    if span then
      table.insert(row.cells, 1, pandoc.Cell({}, pandoc.AlignDefault, span, 1))
    end
  end
  for _, row in ipairs(el.head.rows) do
    table.insert(row.cells, 1, pandoc.Cell({}))
  end
  for _, row in ipairs(el.foot.rows) do
    table.insert(row.cells, 1, pandoc.Cell({}))
  end
  return el
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
