--[[
book.lua: Quarto-like rendering of executed notebooks with plain pandoc.

Run after gt_tables.lua. Metadata read (set by helpers/book.py):
  code-fold (bool), code-summary (string)  HTML: fold code in <details>
  echo (bool)                               false: drop code blocks
  chapter-number (string)                   HTML: "2" numbers headings 2, 2.1, ...
Handles:
  * text/markdown outputs (raw markdown blocks) -> parsed markdown
  * callouts (::: {.callout-warning title="..."}) -> styled boxes (HTML and Typst)
  * .data-source and .table-notes divs -> small print
  * notebook cell wrappers; raw HTML dropped outside HTML
]]

local stringify = pandoc.utils.stringify
local is_html = FORMAT:match('html') ~= nil
local is_typst = FORMAT:match('typst') ~= nil

local opts = {
  code_fold = false,
  code_summary = 'Vis kode',
  echo = true,
  chapter_number = '',
}

local CALLOUT_TITLES = {
  note = 'Merk', warning = 'Advarsel', important = 'Viktig',
  tip = 'Tips', caution = 'Forsiktig',
}

local function meta_bool(v, default)
  if v == nil then return default end
  if type(v) == 'boolean' then return v end
  local s = stringify(v)
  return s == 'true' or s == 'yes'
end

local function read_meta(meta)
  opts.code_fold = meta_bool(meta['code-fold'], opts.code_fold)
  opts.echo = meta_bool(meta['echo'], opts.echo)
  if meta['code-summary'] then opts.code_summary = stringify(meta['code-summary']) end
  if meta['chapter-number'] then opts.chapter_number = stringify(meta['chapter-number']) end
end

local function typst_inlines(inlines)
  local out = pandoc.write(pandoc.Pandoc({ pandoc.Plain(inlines) }), 'typst')
  return (out:gsub('%s+$', ''))
end

-- Wrap blocks in a Typst function call: #name(args)[ blocks ].
local function typst_call(name, args, blocks)
  local content = pandoc.Blocks{ pandoc.RawBlock('typst', '#' .. name .. '(' .. args .. ')[') }
  content:extend(blocks)
  content:insert(pandoc.RawBlock('typst', ']'))
  return pandoc.Div(content)
end

local function callout_kind(div)
  for _, cls in ipairs(div.classes) do
    local kind = cls:match('^callout%-(%a+)$')
    if kind then return kind end
  end
end

local function render_callout(div, kind)
  local title_text = div.attributes['title']
  local title
  if title_text then
    title = pandoc.read(title_text, 'markdown').blocks[1]
    title = title and title.content or pandoc.Inlines{}
  else
    title = pandoc.Inlines{ pandoc.Str(CALLOUT_TITLES[kind] or 'Merk') }
  end
  if is_typst then
    return typst_call('callout', 'kind: "' .. kind .. '", title: [' .. typst_inlines(title) .. ']',
      div.content)
  end
  if is_html then
    local classes = pandoc.List{ 'callout', 'callout-' .. kind }
    for _, cls in ipairs(div.classes) do
      if not classes:includes(cls) then classes:insert(cls) end
    end
    local header = pandoc.Div({ pandoc.Plain(title) }, pandoc.Attr('', { 'callout-title' }))
    local body = pandoc.Div(div.content, pandoc.Attr('', { 'callout-body' }))
    return pandoc.Div({ header, body }, pandoc.Attr(div.identifier, classes, { role = 'note' }))
  end
  local blocks = pandoc.Blocks{ pandoc.Para({ pandoc.Strong(title) }) }
  blocks:extend(div.content)
  return pandoc.Div(blocks)
end

-- A great-tables table (gt_tables.lua: Table + notes) as one Typst figure whose
-- notes sit under the table at the table's width (see `tablewithnotes` in book.typ).
local function typst_gt_table(div)
  local tbl, notes = nil, pandoc.Blocks{}
  for _, block in ipairs(div.content) do
    if block.t == 'Table' and not tbl then
      tbl = block
    elseif block.t == 'Div' and block.classes:includes('table-notes') then
      notes:extend(block.content)
    else
      notes:insert(block)
    end
  end
  if not tbl then return div.content end
  local caption = pandoc.utils.blocks_to_inlines(tbl.caption.long or {})
  tbl.caption = pandoc.Caption()
  local code = pandoc.write(pandoc.Pandoc({ tbl }), 'typst')
  local table_code = code:match('align%(center%)%[#(table%(.*%))%]')
  if not table_code then return div.content end
  local notes_code = pandoc.write(pandoc.Pandoc(notes), 'typst')
  local args = { 'kind: table' }
  if #caption > 0 then args[#args + 1] = 'caption: [' .. typst_inlines(caption) .. ']' end
  args[#args + 1] = 'tablewithnotes(' .. table_code .. ', [' .. notes_code .. '])'
  return pandoc.RawBlock('typst', '#figure(\n  ' .. table.concat(args, ',\n  ') .. '\n)')
end

-- Pass 1: metadata, and rename notebook output divs (pandoc keeps only the first
-- block of a Div with class `output` that a filter returns with several).
local pass_meta = {
  Meta = function(meta) read_meta(meta) end,
}

local pass_outputs = {
  Div = function(div)
    if div.classes:includes('output') then
      local classes = pandoc.List{ 'cell-output' }
      for _, cls in ipairs(div.classes) do
        if cls ~= 'output' then classes:insert('cell-output-' .. cls) end
      end
      return pandoc.Div(div.content, pandoc.Attr('', classes))
    end
  end,
}

-- Pass 2: text/markdown outputs become real markdown.
local pass_markdown = {
  RawBlock = function(el)
    if el.format == 'markdown' then
      local doc = pandoc.read(el.text, 'markdown')
      return pandoc.Div(doc.blocks, pandoc.Attr('', { 'markdown-output' }))
    end
  end,
}

local function number_header(h)
  if opts.chapter_number == '' or h.classes:includes('unnumbered') or h.level > 3 then
    return nil
  end
  return h
end

-- Pass 3: heading numbers in HTML (Typst numbers headings itself).
local counters = { 0, 0, 0 }
local in_unnumbered_chapter = false
local pass_headers = {
  Header = function(h)
    if not is_html then
      -- Typst: sections of an unnumbered chapter (the preface) are unnumbered too.
      if h.level == 1 then
        in_unnumbered_chapter = h.classes:includes('unnumbered')
      elseif in_unnumbered_chapter and not h.classes:includes('unnumbered') then
        h.classes:insert('unnumbered')
        return h
      end
      return nil
    end
    if not number_header(h) then return nil end
    if h.level == 1 then
      counters = { 0, 0, 0 }
    else
      counters[h.level] = counters[h.level] + 1
      for i = h.level + 1, 3 do counters[i] = 0 end
    end
    local parts = { opts.chapter_number }
    for i = 2, h.level do parts[#parts + 1] = tostring(counters[i]) end
    local number = table.concat(parts, '.')
    h.content:insert(1, pandoc.Space())
    h.content:insert(1, pandoc.Span({ pandoc.Str(number) }, pandoc.Attr('', { 'header-section-number' })))
    return h
  end,
}

-- Pass 4: presentation, bottom-up (callouts inside markdown outputs included).
local pass_render = {
  Div = function(div)
    local kind = callout_kind(div)
    if kind then
      return render_callout(div, kind)
    end
    if div.classes:includes('data-source') and is_typst then
      return typst_call('datasource', '', div.content)
    end
    if div.classes:includes('gt-table') and is_typst then
      return typst_gt_table(div)
    end
    if div.classes:includes('table-notes') and is_typst then
      return typst_call('tablenotes', '', div.content)
    end
    if div.classes:includes('cell') and div.classes:includes('code') then
      local blocks = pandoc.Blocks{}
      for _, block in ipairs(div.content) do
        if block.t == 'CodeBlock' and block.classes:includes('python') then
          if block.text:match('^%s*$') or not opts.echo then
            -- hidden code (#| echo: false, remove-input, or echo off for this format)
          elseif is_html and opts.code_fold then
            blocks:insert(pandoc.RawBlock('html',
              '<details class="code-fold"><summary>' .. opts.code_summary .. '</summary>'))
            blocks:insert(block)
            blocks:insert(pandoc.RawBlock('html', '</details>'))
          else
            blocks:insert(block)
          end
        else
          blocks:insert(block)
        end
      end
      if is_html then
        return pandoc.Div(blocks, pandoc.Attr('', { 'cell' }))
      end
      return blocks
    end
  end,
  RawBlock = function(el)
    if not is_html and el.format:match('html') then return {} end
  end,
  RawInline = function(el)
    if not is_html and el.format:match('html') then return {} end
  end,
}

-- Pass 5: outside HTML, notebook wrappers are dropped (no stray #block[] or labels).
local pass_unwrap = {
  Div = function(div)
    if not is_html and (div.classes:includes('cell') or div.classes:includes('cell-output')
        or div.classes:includes('markdown-output')) then
      return div.content
    end
  end,
}

return { pass_meta, pass_outputs, pass_markdown, pass_headers, pass_render, pass_unwrap }
