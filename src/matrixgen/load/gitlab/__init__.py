"""The GitLab CI target: `outputs.gitlab` (model), its jobs (jobs) and checks (checks)."""
