-- The changes documents (briefkit build --compare): the marks of compare/text.py as HTML's own <ins> and <del>,
-- each with a word a screen reader says and a sighted reader does not need (the words are in the document's
-- metadata: changes-inserted, changes-deleted).
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

function Span(el)
  for class, _ in pairs(said) do
    if el.classes:includes(class) then
      local out = {pandoc.RawInline("html", "<" .. tag(class) .. ">" .. label(class))}
      for _, item in ipairs(el.content) do table.insert(out, item) end
      table.insert(out, pandoc.RawInline("html", "</" .. tag(class) .. ">"))
      return out
    end
  end
end

function Div(el)
  for class, _ in pairs(said) do
    if el.classes:includes(class) then
      local moved = class:find("moved") and " bk-moved" or ""
      local out = {pandoc.RawBlock("html", "<" .. tag(class) .. ' class="bk-block' .. moved .. '">' .. label(class))}
      for _, item in ipairs(el.content) do table.insert(out, item) end
      table.insert(out, pandoc.RawBlock("html", "</" .. tag(class) .. ">"))
      return out
    end
  end
end

return {{Meta = Meta}, {Span = Span, Div = Div}}
