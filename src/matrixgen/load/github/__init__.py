"""GitHub Actions, as matrix.yaml describes it: the checks of `github:` settings
(`checks`) and what each cell's job needs (`jobs`)."""
