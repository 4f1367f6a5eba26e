"""The outcome layer: what a cell's result is, shared by run, report, shard and render.

- `status`: the one `Status` enum (passed, flaky, failed, error, skipped, missing, ...);
- `junit`: the one JUnit reader (streaming, hardened against hostile files);
- `verdict`: the one decision of a status from a JUnit file (and an exit code, at run time);
- `stamp`: the one writer: matrixgen's properties on a cell's JUnit, or a file saying why not;
- `properties`: the names of those properties, a contract with CI artifacts;
- `durations`: the one store of recorded cell durations (results/durations.json).
"""
