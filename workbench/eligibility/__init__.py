"""Who looks eligible, and why: the engine compiling a rule set into polars joins (`engine`),
age windows and term dates (`terms`), the verdict on every criterion for the people asked about
with the records behind it (`findings`), the one assessment pipeline from a data folder to a
written list (`assess`), and those findings in plain English for one person (`explain`)."""
