"""The load stage: matrix.yaml → document (with positions) → model → checked references → cells.

Everything above it (render, run, report, shard, affected) starts from `load.matrix.load`.
"""
