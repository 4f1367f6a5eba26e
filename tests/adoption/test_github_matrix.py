"""github_matrix.expand on the examples of GitHub's documentation, with the job lists the
documentation gives for them (github/docs, data/reusables/actions/jobs/, the commits
named per test), and on the rules those examples leave implicit."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from support import yamls

from matrixgen.load.matrix import load

from .github_matrix import MatrixError, expand, loosely_equal


def matrix(text: str) -> dict[str, object]:
    loaded: dict[str, object] = yamls.load(text)
    return loaded


def test_the_first_variable_varies_slowest() -> None:
    # using-matrix-strategy.md @ 286cbbeb: "the above matrix will create the jobs in the
    # following order".
    jobs = expand(matrix("version: [10, 12, 14]\nos: [ubuntu-latest, windows-latest]"))
    assert jobs == [
        {"version": 10, "os": "ubuntu-latest"},
        {"version": 10, "os": "windows-latest"},
        {"version": 12, "os": "ubuntu-latest"},
        {"version": 12, "os": "windows-latest"},
        {"version": 14, "os": "ubuntu-latest"},
        {"version": 14, "os": "windows-latest"},
    ]


def test_a_single_dimension_runs_one_job_per_value() -> None:
    # single-dimension-matrix.md @ 76c222f7: "The workflow will run three jobs".
    assert expand(matrix("version: [10, 12, 14]")) == [
        {"version": 10},
        {"version": 12},
        {"version": 14},
    ]


def test_values_may_be_objects() -> None:
    # multi-dimension-matrix.md @ 1843dca6: "This matrix produces 4 jobs with corresponding
    # contexts."
    jobs = expand(
        matrix(
            """
            os: [ubuntu-latest, macos-latest]
            node:
              - version: 14
              - version: 20
                env: NODE_OPTIONS=--openssl-legacy-provider
            """
        )
    )
    legacy = {"version": 20, "env": "NODE_OPTIONS=--openssl-legacy-provider"}
    assert jobs == [
        {"os": "ubuntu-latest", "node": {"version": 14}},
        {"os": "ubuntu-latest", "node": legacy},
        {"os": "macos-latest", "node": {"version": 14}},
        {"os": "macos-latest", "node": legacy},
    ]


FRUIT = """
fruit: [apple, pear]
animal: [cat, dog]
include:
  - color: green
  - color: pink
    animal: cat
  - fruit: apple
    shape: circle
  - fruit: banana
  - fruit: banana
    animal: cat
"""


def test_include_extends_original_combinations_and_adds_the_rest() -> None:
    # matrix-include.md @ 107f092a: "will result in six jobs with the following matrix
    # combinations" (listed in this order).
    assert expand(matrix(FRUIT)) == [
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]


def test_include_of_an_original_variable_with_a_new_value_adds_jobs() -> None:
    # matrix-include.md @ 107f092a: "will create seven jobs, testing five versions for
    # perl and only two for macos".
    jobs = expand(
        matrix(
            """
            os: [ubuntu-latest]
            perl: ['5.16', '5.20', '5.26', '5.30', latest]
            include:
              - {os: macos-latest, perl: '5.26'}
              - {os: macos-latest, perl: latest}
            """
        )
    )
    assert jobs == [
        {"os": "ubuntu-latest", "perl": "5.16"},
        {"os": "ubuntu-latest", "perl": "5.20"},
        {"os": "ubuntu-latest", "perl": "5.26"},
        {"os": "ubuntu-latest", "perl": "5.30"},
        {"os": "ubuntu-latest", "perl": "latest"},
        {"os": "macos-latest", "perl": "5.26"},
        {"os": "macos-latest", "perl": "latest"},
    ]


def test_include_adds_a_variable_to_the_one_combination_it_matches() -> None:
    # matrix-expand-with-include.md @ 2de94822: six jobs; "When the job for the os value
    # of windows-latest and node value of 16 runs, an additional variable called npm with
    # the value of 6 will be included".
    jobs = expand(
        matrix(
            """
            os: [windows-latest, ubuntu-latest]
            node: [12, 14, 16]
            include:
              - {os: windows-latest, node: 16, npm: 6}
            """
        )
    )
    assert jobs == [
        {"os": "windows-latest", "node": 12},
        {"os": "windows-latest", "node": 14},
        {"os": "windows-latest", "node": 16, "npm": 6},
        {"os": "ubuntu-latest", "node": 12},
        {"os": "ubuntu-latest", "node": 14},
        {"os": "ubuntu-latest", "node": 16},
    ]


def test_include_adds_a_configuration_the_product_lacks() -> None:
    # matrix-add-with-include.md @ 5b3fc512: "this matrix will run 10 jobs, one for each
    # combination of os and version in the matrix, plus a job for the os value of
    # windows-latest and version value of 17".
    jobs = expand(
        matrix(
            """
            os: [macos-latest, windows-latest, ubuntu-latest]
            version: [12, 14, 16]
            include:
              - {os: windows-latest, version: 17}
            """
        )
    )
    product = [
        {"os": os, "version": version}
        for os in ("macos-latest", "windows-latest", "ubuntu-latest")
        for version in (12, 14, 16)
    ]
    assert jobs == [*product, {"os": "windows-latest", "version": 17}]


def test_a_matrix_of_only_includes_runs_each_include() -> None:
    # matrix-add-with-include.md @ 5b3fc512: "the following workflow would run two jobs,
    # one for each include entry".
    jobs = expand(
        matrix(
            """
            include:
              - {site: production, datacenter: site-a}
              - {site: staging, datacenter: site-b}
            """
        )
    )
    assert jobs == [
        {"site": "production", "datacenter": "site-a"},
        {"site": "staging", "datacenter": "site-b"},
    ]


def test_exclude_removes_partial_matches() -> None:
    # matrix-exclude.md @ 7d91f13e: "the following workflow will run nine jobs: one job for
    # each of the 12 configurations, minus the one excluded job that matches {os:
    # macos-latest, version: 12, environment: production}, and the two excluded jobs that
    # match {os: windows-latest, version: 16}".
    jobs = expand(
        matrix(
            """
            os: [macos-latest, windows-latest]
            version: [12, 14, 16]
            environment: [staging, production]
            exclude:
              - {os: macos-latest, version: 12, environment: production}
              - {os: windows-latest, version: 16}
            """
        )
    )
    removed = [
        {"os": "macos-latest", "version": 12, "environment": "production"},
        {"os": "windows-latest", "version": 16, "environment": "staging"},
        {"os": "windows-latest", "version": 16, "environment": "production"},
    ]
    everything = [
        {"os": os, "version": version, "environment": environment}
        for os in ("macos-latest", "windows-latest")
        for version in (12, 14, 16)
        for environment in ("staging", "production")
    ]
    assert len(jobs) == 9
    assert jobs == [job for job in everything if job not in removed]


def test_include_comes_after_exclude_and_can_add_an_excluded_combination_back() -> None:
    # matrix-exclude.md @ 7d91f13e: "All include combinations are processed after exclude.
    # This allows you to use include to add back combinations that were previously
    # excluded." (The note gives no example; this is the smallest one.)
    jobs = expand(
        matrix(
            """
            os: [ubuntu, windows]
            python: ['3.12', '3.13']
            exclude: [{os: windows}]
            include: [{os: windows, python: '3.13'}]
            """
        )
    )
    assert jobs == [
        {"os": "ubuntu", "python": "3.12"},
        {"os": "ubuntu", "python": "3.13"},
        {"os": "windows", "python": "3.13"},
    ]


def test_an_include_that_extends_nothing_left_after_exclude_is_its_own_job() -> None:
    # The include's selector only meets original combinations that survived exclude.
    jobs = expand(
        matrix(
            """
            os: [ubuntu, windows]
            exclude: [{os: windows}]
            include: [{os: windows, experimental: true}, {os: ubuntu, experimental: false}]
            """
        )
    )
    assert jobs == [
        {"os": "ubuntu", "experimental": False},
        {"os": "windows", "experimental": True},
    ]


def test_filters_compare_like_github_expressions() -> None:
    # `python: 3.10` unquoted is the float 3.1: GitHub compares it with "3.10" as numbers.
    jobs = expand(
        matrix(
            """
            python: [3.10, '3.11']
            os: [Ubuntu-Latest]
            exclude: [{python: '3.10'}]
            include: [{os: ubuntu-latest, python: '3.11', extra: true}]
            """
        )
    )
    assert jobs == [{"python": "3.11", "os": "Ubuntu-Latest", "extra": True}]


def test_a_list_in_a_filter_never_matches_a_plain_value() -> None:
    jobs = expand(matrix("python: ['3.12', '3.13']\nexclude: [{python: ['3.12', '3.13']}]"))
    assert jobs == [{"python": "3.12"}, {"python": "3.13"}]


def test_the_same_exclude_list_means_any_of_in_matrixgen(tmp_path: Path) -> None:
    """README, Deviations: where GitHub removes nothing, matrixgen removes either value."""
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\naxes: {python: ['3.12', '3.13', '3.14']}\n"
        "levels: {unit: {axes: [python], run: 'pytest --junitxml=${junit}'}}\n"
        "exclude: [{match: {python: ['3.12', '3.13']}, reason: older}]\n"
    )
    assert [cell.id for cell in load(tmp_path).cells] == ["unit/3.14"]
    jobs = expand(matrix("python: ['3.12', '3.13', '3.14']\nexclude: [{python: ['3.12', '3.13']}]"))
    assert len(jobs) == 3


def test_an_object_in_a_filter_matches_partially() -> None:
    jobs = expand(
        matrix(
            """
            node: [{version: 14}, {version: 20, env: legacy}]
            exclude: [{node: {version: 20}}]
            """
        )
    )
    assert jobs == [{"node": {"version": 14}}]


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ("abc", "ABC", True),
        ("1", 1, True),
        ("", 0, True),
        (None, 0, True),
        (None, None, True),
        (True, 1, True),
        (True, "true", False),  # "true" is no JSON number: NaN
        ("a1", math.nan, False),
        ([1], [1], False),  # arrays equal only themselves
        ({"a": 1}, 1, False),
    ],
)
def test_loose_equality_follows_the_documented_rules(
    left: object, right: object, equal: bool
) -> None:
    assert loosely_equal(left, right) is equal
    assert loosely_equal(right, left) is equal


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("os: [a]\nexclude: [{python: '3.12'}]", "exclude key 'python' does not match"),
        ("os: []", "non-empty list"),
        ("os: a", "non-empty list"),
        ("os: [a]\ninclude: [{}]", "non-empty mapping"),
        ("exclude: []", "no variables and no include"),
        # 8 x 8 x 5 = 320 jobs, over the documented maximum of 256
        (
            "a: [1, 2, 3, 4, 5, 6, 7, 8]\nb: [1, 2, 3, 4, 5, 6, 7, 8]\nc: [1, 2, 3, 4, 5]",
            "320 jobs",
        ),
    ],
)
def test_matrices_github_refuses(text: str, message: str) -> None:
    with pytest.raises(MatrixError, match=message):
        expand(matrix(text))
