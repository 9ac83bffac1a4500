"""Anderson mixing of the orbit search (psc_fem.solver.orbit.Anderson) on maps with a known fixed point."""

import numpy as np
import pytest

from psc_fem.solver.orbit import Anderson

# Multipliers of a Poincare map at large delta: one close to 1 per slow radial mode (docs/model.md).
SLOW = np.array([0.9995, 0.998, 0.99, 0.95, 0.8, 0.3, 0.05])


def solve(mapping, x0, target, memory, n=500):
    mixer = Anderson(memory, lambda a, b: float(a @ b))
    x = x0.copy()
    for k in range(n):
        g = mapping(x) - x
        if np.max(np.abs(x - target)) < 1e-10:
            return k
        x = mixer.next(x, g)
    return n


@pytest.mark.parametrize("seed", [0, 1])
def test_linear_map_converges_in_about_as_many_windings_as_slow_modes(seed):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(7, 7)))
    M = q @ np.diag(SLOW) @ q.T + 1e-4 * rng.normal(size=(7, 7))  # not normal either
    rho = np.max(np.abs(np.linalg.eigvals(M)))
    assert 0.999 < rho < 1.0
    target = rng.normal(size=7)
    mapping = lambda x: target + M @ (x - target)  # noqa: E731
    x0 = target + rng.normal(size=7)
    accelerated = solve(mapping, x0, target, memory=10)
    assert accelerated <= 7 + 5  # GMRES-like: the dimension, plus a few for the ill-conditioned last fits
    # plain iteration (what time integration does) needs ~log(1e-10)/log(rho) > 20000 windings
    assert solve(mapping, x0, target, memory=0, n=2000) == 2000


def test_nonlinear_map_converges_to_its_fixed_point():
    # x -> P(x) with a slow linear part and a quadratic term; fixed point known
    target = np.array([0.3, -0.2, 0.8, 0.1])
    A = np.diag([0.995, 0.97, 0.6, 0.2])

    def mapping(x):
        d = x - target
        return target + A @ d + 0.3 * np.array([d[1] ** 2, d[0] * d[2], -(d[3] ** 2), d[0] ** 2])

    assert solve(mapping, target + 0.05, target, memory=10) < 40


def test_memory_is_bounded():
    mixer = Anderson(3, lambda a, b: float(a @ b))
    x = np.ones(4)
    for _ in range(10):
        x = mixer.next(x, -0.1 * x)
    assert len(mixer.xs) == len(mixer.gs) == 4
