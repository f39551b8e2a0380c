"""Signal types: the hashes Vigil computes and compares, one module per type, all listed in
:mod:`vigil.signals.registry` (the one place their names, forms and thresholds are written).
"""
