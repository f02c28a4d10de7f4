"""helpers: everything behind the report that is not presentation.

Modules, one per concern, in the order data flows through them:
contract (the extract: spec, loading, validation) -> synth (synthetic extract) ->
spells (months, entries, the analysis frame) -> published (the published figures) ->
tables, plots (what the chapters show) -> book (executing and rendering the report).
"""
