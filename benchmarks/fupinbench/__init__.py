"""District-scale benchmark for fupin, in the order it runs.

- `district`: the synthetic roster, imported into a new workspace; `prepare` builds (or reuses) it all;
- `returns`: the generated forms filled the way they come back (CSV in three encodings, XLSX, XLS);
- `measure`: one operation's figures (`Measure`) and number formatting;
- `stages`: fupin's commands timed as whole subprocesses;
- `baselines`: the in-process reference points (plain openpyxl and csv reads and writes) and the ratios;
- `report`: the machine, the table, the targets and RESULTS.md;
- `cli`: the command line (`python benchmarks/run.py`).
"""
