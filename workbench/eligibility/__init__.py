"""Who looks eligible, and why: the engine compiling a rule set into polars joins (`engine`),
age windows and term dates (`terms`), the one assessment pipeline from a data folder to a
written list (`assess`), and the plain-English explanation of one person (`explain`)."""
