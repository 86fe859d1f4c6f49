"""Runs and what they leave behind: notebooks run with papermill into reports/ (`report`, its
parameters and run identity in `parameters`, the offline HTML in `html`, the helpers the
notebooks call in `notebook`), the demo (`demo`), the auditor's checks (`assure`) and what the
console shows (`console`)."""
