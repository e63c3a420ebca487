-- The changes documents (briefkit build --compare): the marks of compare/text.py as HTML's own <ins> and <del>,
-- each with a word a screen reader says and a sighted reader does not need (the words are in the document's
-- metadata: changes-inserted, changes-deleted). For the Typst PDF, calls of briefing.typ's bk-change and
-- bk-change-block, which draw the same marks and a change bar in the margin.
local said = {["bk-ins"] = "inserted", ["bk-del"] = "deleted", ["bk-moved-from"] = "moved_from",
              ["bk-moved-to"] = "moved_to"}
local words = {}

function Meta(meta)
  words.inserted = meta["changes-inserted"] and pandoc.utils.stringify(meta["changes-inserted"]) or "inserted"
  words.deleted = meta["changes-deleted"] and pandoc.utils.stringify(meta["changes-deleted"]) or "deleted"
  words.moved_from = meta["changes-moved-from"] and pandoc.utils.stringify(meta["changes-moved-from"]) or "moved from here"
  words.moved_to = meta["changes-moved-to"] and pandoc.utils.stringify(meta["changes-moved-to"]) or "moved here"
end

local function tag(class)
  return (class == "bk-ins" or class == "bk-moved-to") and "ins" or "del"
end

local function label(class)
  return '<span class="bk-said">' .. words[said[class]] .. ': </span>'
end

-- content between two raw pieces of the output format (make: pandoc.RawInline or pandoc.RawBlock).
local function wrapped(make, format, open, content, close)
  local out = {make(format, open)}
  for _, item in ipairs(content) do table.insert(out, item) end
  table.insert(out, make(format, close))
  return out
end

local function typst_call(name, class)
  return "#" .. name .. '("' .. class:sub(4) .. '")['
end

function Span(el)
  for class, _ in pairs(said) do
    if el.classes:includes(class) and FORMAT:match("typst") then
      return wrapped(pandoc.RawInline, "typst", typst_call("bk-change", class), el.content, "]")
    elseif el.classes:includes(class) then
      local moved = class:find("moved") and ' class="bk-moved"' or ""
      return wrapped(pandoc.RawInline, "html", "<" .. tag(class) .. moved .. ">" .. label(class), el.content,
                     "</" .. tag(class) .. ">")
    end
  end
end

function Div(el)
  -- A paragraph with changes inside: its change bar (print.css draws it on the div's class).
  if FORMAT:match("typst") and el.classes:includes("bk-changed") then
    return wrapped(pandoc.RawBlock, "typst", typst_call("bk-change-block", "bk-changed"), el.content, "]")
  end
  for class, _ in pairs(said) do
    if el.classes:includes(class) and FORMAT:match("typst") then
      return wrapped(pandoc.RawBlock, "typst", typst_call("bk-change-block", class), el.content, "]")
    elseif el.classes:includes(class) then
      local moved = class:find("moved") and " bk-moved" or ""
      return wrapped(pandoc.RawBlock, "html", "<" .. tag(class) .. ' class="bk-block' .. moved .. '">' .. label(class),
                     el.content, "</" .. tag(class) .. ">")
    end
  end
end

return {{Meta = Meta}, {Span = Span, Div = Div}}
