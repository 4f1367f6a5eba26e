"""A session of the user's own in noxfile.py named like a level is an error, not a shadow."""

from __future__ import annotations

import pytest

from matrixgen.errors import ConfigError
from matrixgen.render.nox_sessions import MARKERS
from matrixgen.render.user_sessions import UserSession, user_sessions

from .conftest import Project
from .helpers import nox_sessions, run, tool

MINE = '''

@nox.session(python=False)
def docs(session: nox.Session) -> None:
    """Not a level: fine."""


@nox.session(name="lint")
def unit(session: nox.Session) -> None:
    """Named lint by name=: fine."""
'''


def test_a_users_session_named_like_a_level_is_a_located_error(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    generated = storage_proxy.read("noxfile.py")
    storage_proxy.write("noxfile.py", generated + MINE)
    assert storage_proxy.render() == 0  # docs and lint clash with nothing
    own = generated + MINE + "\n\n@nox.session(tags=['x'])\ndef component(session):\n    pass\n"
    storage_proxy.write("noxfile.py", own)
    line = own.count("\n", 0, own.rindex("def component")) + 1
    storage_proxy.write(
        "matrix.yaml", storage_proxy.read("matrix.yaml").replace("label: Unit", "label: U")
    )
    before = storage_proxy.files()

    with pytest.raises(ConfigError) as error:
        storage_proxy.render()
    assert str(error.value) == (
        f"noxfile.py:{line}:5: session 'component' is defined here and by level 'component' "
        "of matrix.yaml; rename one"
    )
    assert error.value.exit_code == 2
    with pytest.raises(ConfigError):
        storage_proxy.render(force=True)  # --force overrides ownership, not a name clash
    assert storage_proxy.files() == before

    result = run([tool("matrixgen"), "render"], storage_proxy.root)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == str(error.value) + "\n"
    assert storage_proxy.files() == before


def test_every_clash_is_reported_where_the_name_is_written(storage_proxy: Project) -> None:
    storage_proxy.write(
        "noxfile.py",
        "import nox\nfrom nox import session\n\n\n"
        "@session\nasync  def   unit(session):\n    pass\n\n\n"
        '@nox.session(\n    python=["3.12"],\n    name="e2e",\n)\ndef whatever(session):\n'
        "    pass\n",
    )
    with pytest.raises(ConfigError) as error:
        storage_proxy.render(force=True)
    assert str(error.value).splitlines() == [
        "noxfile.py:6:14: session 'unit' is defined here and by level 'unit' of matrix.yaml; "
        "rename one",
        "noxfile.py:12:10: session 'e2e' is defined here and by level 'e2e' of matrix.yaml; "
        "rename one",
    ]
    assert not (storage_proxy.root / "docs").exists()  # nothing written


def test_positions_count_characters_and_the_region_is_not_the_users() -> None:
    region = MARKERS.region('@nox.session(name="unit")\ndef unit(session):\n    pass\n', "m.yaml")
    text = (
        "import nox\n\n"
        + region
        + '\nX = "é"; Y = nox.session(name="no")\n\n\n'
        + '@nox.session(tags=["é"], name="integration")\n'
        + "def f(session):\n    pass\n\n\n"
        + "@nox.session\n@other\ndef component(session):\n    pass\n\n\n"
        + "@nox.session(name=NAME)\ndef e2e(session):\n    pass\n"
    )
    first = 3 + region.count("\n") + 3
    assert user_sessions(text, MARKERS) == [
        UserSession("integration", first + 1, 31),
        UserSession("component", first + 8, 5),
    ]  # e2e: its name is computed, nox alone knows it


@pytest.mark.parametrize("text", ["def broken(:\n", "x = 1\n\0\n", ""])
def test_a_noxfile_that_does_not_parse_has_no_sessions_to_compare(text: str) -> None:
    assert user_sessions(text, MARKERS) == []


def test_a_noxfile_whose_own_part_does_not_parse_still_renders(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    broken = storage_proxy.read("noxfile.py") + "\ndef unit(:\n"
    storage_proxy.write("noxfile.py", broken)
    assert storage_proxy.render() == 0  # nox will report the syntax error itself
    assert storage_proxy.read("noxfile.py") == broken


def test_nox_sees_the_users_sessions_beside_the_levels(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    storage_proxy.write("noxfile.py", storage_proxy.read("noxfile.py") + MINE)
    names = {s["session"] for s in nox_sessions(storage_proxy.root)}
    assert {"docs", "lint"} <= names
    assert "unit" not in names and "unit(s3-lww)" in names
