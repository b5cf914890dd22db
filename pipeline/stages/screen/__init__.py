"""Screening criteria: years, languages, document types, relevance, geography, quality.

Each module is one criterion; `criteria.propose` applies them per work. Pure functions over
DataFrames: no files, no clocks.
"""
