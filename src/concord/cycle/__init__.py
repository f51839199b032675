"""The quarterly compliance cycle: evaluate, publish, open cases, report, audit."""
