-- Runs after citeproc: drop the build's own settings from the document metadata, so that
-- no local path (bibliography, style) ends up in the DOCX's custom properties.
local build_only = {"bibliography", "csl", "nocite", "link-citations", "suppress-bibliography"}

function Meta(meta)
  for _, key in ipairs(build_only) do
    meta[key] = nil
  end
  return meta
end
