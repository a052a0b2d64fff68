"""PMQA 4.0 category-3 self-assessment (criteria data, evidence collectors, scoring, report).

Built by the assessment issue on top of the complaint data; this package is
installed with Rongrian from the start so the layout stays fixed.
"""
