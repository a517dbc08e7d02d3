"""`make bench`: the real stack on this machine, measured (`python -m bench`; `python -m
bench.breakdown` splits one send-code's CPU piece by piece)."""
