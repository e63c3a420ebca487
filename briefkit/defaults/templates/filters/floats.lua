-- For the Typst PDF: figures that float (briefkit/outputs/pdf_typst.py, float_figures).
-- The paragraph just before each figure or table with an id ends with a marker that tells the template's
-- caller where the text before the figure ends; and each figure named in the metadata bk-floats
-- ("fig:trade=1,tbl:x=2") moves, with its source line (div.exhibit-source), after that many of the
-- paragraphs that follow it, never past anything else, and never earlier.

local plan = {}

local function exhibit_id(block)
  if (block.t == 'Figure' or block.t == 'Table') and block.identifier ~= '' then
    return block.identifier
  end
  return nil
end

local function is_source(block)
  return block ~= nil and block.t == 'Div' and block.classes:includes('exhibit-source')
end

local function marker(id)
  return pandoc.RawInline('typst', '#bk-text-end("' .. id:gsub('\\', '\\\\'):gsub('"', '\\"') .. '")')
end

local function blocks(list)
  local out = pandoc.List()
  local i = 1
  while i <= #list do
    local block = list[i]
    local id = exhibit_id(block)
    local count = id ~= nil and plan[id] or 0
    if count > 0 then
      local group = pandoc.List({block})
      local j = i + 1
      if is_source(list[j]) then
        group:insert(list[j])
        j = j + 1
      end
      local moved = pandoc.List()
      while #moved < count and list[j] ~= nil and list[j].t == 'Para' do
        moved:insert(list[j])
        j = j + 1
      end
      out:extend(moved)
      if #out > 0 and out[#out].t == 'Para' then
        out[#out].content:insert(marker(id))
      end
      out:extend(group)
      i = j
    else
      if id ~= nil and #out > 0 and out[#out].t == 'Para' then
        out[#out].content:insert(marker(id))
      end
      out:insert(block)
      i = i + 1
    end
  end
  return out
end

function Pandoc(doc)
  local floats = doc.meta['bk-floats']
  if floats ~= nil then
    for id, count in pandoc.utils.stringify(floats):gmatch('([^,=]+)=(%d+)') do
      plan[id] = tonumber(count)
    end
  end
  return doc:walk({Blocks = blocks})
end
