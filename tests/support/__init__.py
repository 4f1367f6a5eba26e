"""The one test harness (STYLE.md, "Tests: one harness"): `cli` runs matrixgen in-process
through `main()` and in a subprocess, `project` writes a project and renders it as the CLI
does, `golden` compares with golden files, `processes` and `docker` find what a test left
running."""
