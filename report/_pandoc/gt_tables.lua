--[[
gt_tables.lua: great-tables HTML -> real pandoc tables, for every output but HTML.

Notebook outputs of great_tables (GT.as_raw_html, what the notebook displays) reach
pandoc as raw HTML blocks, which Typst (and any non-HTML writer) would drop. This
filter parses each raw HTML block containing `<table` with pandoc's own HTML reader
and keeps only the Table elements, with:
  * the GT title (and subtitle) as the table caption,
  * the GT column alignment (gt_left / gt_center / gt_right) as column alignment,
  * source notes and footnotes moved out of the table into a Div of class
    `table-notes` placed right after it (book.lua styles it).
Other raw HTML (style/script blocks, widgets) is removed for non-HTML output.
In HTML output the filter does nothing: the styled GT HTML is kept as is.
]]

local stringify = pandoc.utils.stringify
local WIDE_COLUMNS = 8     -- from this many columns on, fixed widths (see below)
local LABEL_SHARE = 0.24   -- the row labels' share of a wide table's width

local function has_class(el, name)
  return el.attr and el.attr.classes:includes(name)
end

local function row_has_class(row, name)
  if row.attr.classes:includes(name) then return true end
  for _, cell in ipairs(row.cells) do
    if has_class(cell, name) then return true end
  end
  return false
end

local function cell_inlines(cell)
  local inlines = pandoc.Inlines{}
  for _, block in ipairs(cell.contents) do
    if block.content then
      if #inlines > 0 then inlines:insert(pandoc.Space()) end
      inlines:extend(block.content)
    end
  end
  return inlines
end

local ALIGN = { gt_left = 'AlignLeft', gt_center = 'AlignCenter', gt_right = 'AlignRight' }

local function cell_align(cell)
  for cls, align in pairs(ALIGN) do
    if has_class(cell, cls) then return align end
  end
  return nil
end

-- Convert one Table read from GT HTML: returns a list of blocks.
local function convert_table(tbl)
  local title, subtitle = nil, nil
  local head_rows = pandoc.List{}
  for _, row in ipairs(tbl.head.rows) do
    if row_has_class(row, 'gt_title') then
      title = cell_inlines(row.cells[1])
    elseif row_has_class(row, 'gt_subtitle') then
      subtitle = cell_inlines(row.cells[1])
    else
      head_rows:insert(row)
    end
  end
  tbl.head.rows = head_rows

  local notes = pandoc.List{}
  local foot_rows = pandoc.List{}
  for _, row in ipairs(tbl.foot.rows) do
    if row_has_class(row, 'gt_sourcenotes') or row_has_class(row, 'gt_footnotes')
        or row_has_class(row, 'gt_sourcenote') or row_has_class(row, 'gt_footnote') then
      for _, cell in ipairs(row.cells) do
        local inl = cell_inlines(cell)
        if #inl > 0 then notes:insert(pandoc.Para(inl)) end
      end
    else
      foot_rows:insert(row)
    end
  end
  tbl.foot.rows = foot_rows

  -- Column alignment from the first body row that has one cell per column.
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      if #row.cells == #tbl.colspecs then
        for i, cell in ipairs(row.cells) do
          local align = cell_align(cell)
          if align then tbl.colspecs[i] = { align, tbl.colspecs[i][2] } end
        end
        goto aligned
      end
    end
  end
  ::aligned::

  -- Wide tables (eight or more columns, e.g. a regression table with four models): the
  -- row labels get a fixed share of the width, the other columns share the rest, so the
  -- labels do not wrap a word per line.
  local ncol = #tbl.colspecs
  if ncol >= WIDE_COLUMNS then
    local rest = (1 - LABEL_SHARE) / (ncol - 1)
    for i = 1, ncol do
      tbl.colspecs[i] = { tbl.colspecs[i][1], i == 1 and LABEL_SHARE or rest }
    end
  end

  -- Caption: "Title – subtitle"; a caption already present in the HTML wins.
  if #tbl.caption.long == 0 and title and #title > 0 then
    local cap = pandoc.Inlines(title)
    if subtitle and #subtitle > 0 then
      cap:extend{ pandoc.Space(), pandoc.Str('–'), pandoc.Space() }
      cap:extend(subtitle)
    end
    tbl.caption.long = pandoc.Blocks{ pandoc.Plain(cap) }
  end
  tbl.attr = pandoc.Attr('', {}, {})

  local blocks = pandoc.Blocks{ tbl }
  if #notes > 0 then
    blocks:insert(pandoc.Div(notes, pandoc.Attr('', { 'table-notes' })))
  end
  return blocks
end

local function html_to_tables(html)
  local doc = pandoc.read(html, 'html')
  local blocks = pandoc.Blocks{}
  -- Captions written as <caption> or as text before the table are kept by pandoc;
  -- only tables (plus their notes) are taken, style/script content is dropped.
  doc.blocks:walk{
    Table = function(tbl)
      blocks:extend(convert_table(tbl))
      return tbl
    end,
  }
  return blocks
end

if FORMAT:match('html') then
  return {}
end

return {
  {
    RawBlock = function(el)
      if not el.format:match('html') then return nil end
      if el.text:find('<table', 1, true) then
        -- One wrapper block: pandoc keeps only the first block of a notebook
        -- output Div (class `output`) that a filter gives several.
        return pandoc.Div(html_to_tables(el.text), pandoc.Attr('', { 'gt-table' }))
      end
      return {}
    end,
    RawInline = function(el)
      if el.format:match('html') then return {} end
    end,
  },
}
