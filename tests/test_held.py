"""Values shared by a scenario's offices are found by the identity of what they are built from."""

from __future__ import annotations

from sim.world.held import by_identity


def test_by_identity_builds_once_per_objects_and_once_per_value() -> None:
    built: list[tuple[object, ...]] = []

    @by_identity
    def build(a: object, n: object) -> int:
        built.append((a, n))
        return len(built)

    first, twin = [1, 2], [1, 2]  # equal, not the same object
    assert build(first, 5) == build(first, 5) == 1
    assert build(twin, 5) == 2  # equal but distinct: built again
    assert build(first, 6) == 3  # another value
    assert build(first, 5.0) == 4  # an equal value of another type
    assert build(first, True) == 5
    assert build(first, 1) == 6
    assert build(first, 5) == 1
    assert len(built) == 6
