"""CI at scale, a command beside render and run: `shard` (cells packed into balanced
shards), `workflow` (the plan job's run-time matrix) and `affected` (the cells a change
touches)."""
