"""Blank forms: the XLSX and CSV a unit fills, and the identity stamped on each."""
