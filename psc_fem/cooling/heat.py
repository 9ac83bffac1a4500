"""Steady heat flow in the Fig. 3 cross-section (DOLFINx), beyond the paper.

One cell of a periodic array of filaments (pitch = the plates' width, sides
insulated by symmetry), per unit length of filament. Unknowns: a P1 (Q1)
temperature on each solid, each a submesh of the cross-section mesh
(`meshes.cross_section`), so T jumps across the two interfaces:

    -div(k_i(T) grad T) = q_i        in solid i,  k_i = a_i T^n_i
    T = T_b                          on the cold finger (substrate bottom)
    -k n.grad T = J_K + pump terms   on the interfaces, J_K = h0/4 (T_f^4 - T_p^4)
    k n.grad T = q_load + g_lead (T_b - T)   on the top plate's outer face

with h0 = pi^2 k_B^4 G / (30 hbar^3) from the AMM (h_K = h0 T^3), the Joule heat
I V / (w d L) spread over the filament, and the pumped power P_c = p |E-|/period
drawn from the top plate at the filament|top interface and delivered into the
substrate at the filament|substrate interface (the phonons of Eq. 12 cross the
filament, tau_es -> 0). The Kapitza terms are the same flux leaving one side
and entering the other (interior-facet integrals on the parent mesh, '+' side
the filament), so energy is conserved at any h0. Newton (SNES) with LU.

For a slab (every layer as wide as the filament) the problem is 1D and
`cooling.Chain` solves it exactly: the test compares the two.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import ufl
from mpi4py import MPI

from psc_fem.cooling import kapitza

REGIONS = {"substrate": 1, "filament": 2, "top": 3}
ROUNDOFF_FLOOR = 1e-5  # a Newton residual below this fraction of the heat flow is at round-off (`solve`)


@dataclass
class HeatSolution:
    temperatures: dict  # name -> dolfinx Function on its submesh
    summary: dict


def _interface_data(msh, ftags, tag, emap_plus, emap_minus):
    """Integration entities (cell+, facet+, cell-, facet-) of tagged interior facets, '+' in emap_plus."""
    from dolfinx import fem
    from dolfinx.cpp.fem import compute_integration_domains

    facets = ftags.find(tag)
    data = compute_integration_domains(fem.IntegralType.interior_facet, msh.topology._cpp_object, facets)
    data = data.reshape(-1, 4).copy()
    plus = emap_plus.sub_topology_to_topology(data[:, 0], inverse=True)
    swap = plus < 0
    data[swap] = data[swap][:, [2, 3, 0, 1]]
    if data.size:
        assert (emap_plus.sub_topology_to_topology(data[:, 0], inverse=True) >= 0).all()
        assert (emap_minus.sub_topology_to_topology(data[:, 2], inverse=True) >= 0).all()
    return data.ravel()


def solve(
    cs,
    materials,
    h0_fs,
    h0_ft,
    T_b,
    P_joule,
    P_pump,
    length,
    q_load=0.0,
    g_lead=0.0,
    filament_cells=4,
    growth=1.3,
    max_cells=40,
    comm=MPI.COMM_WORLD,
    out_dir=None,
    rtol=1e-12,
):
    """Solve the cross-section ``cs`` (meshes.cross_section.CrossSection).

    materials: {"substrate", "filament", "top"} -> (a, n) of k = a T^n.
    P_joule, P_pump: W per filament of length ``length`` (m); q_load (W/m^2) and
    g_lead (W/m^2/K) act on the top plate's outer face.
    Returns HeatSolution; writes heat.xdmf into out_dir if given.
    """
    from dolfinx import default_scalar_type, fem, mesh
    from dolfinx.fem.petsc import NonlinearProblem
    from petsc4py import PETSc

    from psc_fem.meshes.cross_section import (
        FILAMENT,
        IF_FILAMENT_SUBSTRATE,
        IF_FILAMENT_TOP,
        SUBSTRATE,
        TOP,
        TOP_SURFACE,
        cross_section_mesh,
    )
    from psc_fem.solver.lifetime import forget

    msh, ctags, ftags, h_min = cross_section_mesh(cs, filament_cells, growth, max_cells, comm)
    tdim = msh.topology.dim
    subs, emaps, spaces, T, v = {}, {}, {}, {}, {}
    for name, tag in (("substrate", SUBSTRATE), ("filament", FILAMENT), ("top", TOP)):
        sub, emap, _, _ = mesh.create_submesh(msh, tdim, ctags.find(tag))
        sub.name = name
        subs[name], emaps[name] = sub, emap
        spaces[name] = fem.functionspace(sub, ("Lagrange", 1))
        T[name] = fem.Function(spaces[name], name="T")
        T[name].x.array[:] = T_b
        v[name] = ufl.TestFunction(spaces[name])

    dx = ufl.Measure("dx", domain=msh, subdomain_data=ctags)
    ds = ufl.Measure("ds", domain=msh, subdomain_data=ftags)
    dS = ufl.Measure(
        "dS",
        domain=msh,
        subdomain_data=[
            (
                IF_FILAMENT_SUBSTRATE,
                _interface_data(msh, ftags, IF_FILAMENT_SUBSTRATE, emaps["filament"], emaps["substrate"]),
            ),
            (IF_FILAMENT_TOP, _interface_data(msh, ftags, IF_FILAMENT_TOP, emaps["filament"], emaps["top"])),
        ],
    )

    def c(x):
        return fem.Constant(msh, default_scalar_type(x))

    def k(name, Tn):
        a, n = materials[name]
        return c(a) * ufl.max_value(Tn, c(1e-6)) ** c(n)

    w, d = cs.width, cs.thickness
    q_joule = c(P_joule / (w * d * length))  # W/m^3
    q_pump = c(P_pump / (w * length))  # W/m^2 at both interfaces
    Tf, Ts, Tt = T["filament"], T["substrate"], T["top"]
    vf, vs, vt = v["filament"], v["substrate"], v["top"]
    J_fs = c(h0_fs / 4) * (Tf("+") ** 4 - Ts("-") ** 4)
    J_ft = c(h0_ft / 4) * (Tf("+") ** 4 - Tt("-") ** 4)
    F = {
        "substrate": (
            k("substrate", Ts) * ufl.inner(ufl.grad(Ts), ufl.grad(vs)) * dx(SUBSTRATE)
            - (J_fs + q_pump) * vs("-") * dS(IF_FILAMENT_SUBSTRATE)
        ),
        "filament": (
            k("filament", Tf) * ufl.inner(ufl.grad(Tf), ufl.grad(vf)) * dx(FILAMENT)
            - q_joule * vf * dx(FILAMENT)
            + J_fs * vf("+") * dS(IF_FILAMENT_SUBSTRATE)
            + J_ft * vf("+") * dS(IF_FILAMENT_TOP)
        ),
        "top": (
            k("top", Tt) * ufl.inner(ufl.grad(Tt), ufl.grad(vt)) * dx(TOP)
            + (q_pump - J_ft) * vt("-") * dS(IF_FILAMENT_TOP)
            - (c(q_load) + c(g_lead) * (c(T_b) - Tt)) * vt * ds(TOP_SURFACE)
        ),
    }
    names = ("substrate", "filament", "top")
    # residual scale (W/m): the heat per unit length that flows; roundoff floors of 1e-9 of it are
    # seen (LU of a matrix spanning nm filament cells and mm plates), so stop at 1e-7 of it
    scale = (abs(P_joule) + abs(P_pump)) / length + abs(q_load) * cs.top_width + 1e-300
    sub_s = subs["substrate"]
    sub_s.topology.create_connectivity(tdim - 1, tdim)
    tol = 1e-6 * h_min
    cold = mesh.locate_entities_boundary(sub_s, tdim - 1, lambda p: np.abs(p[1] + cs.substrate_thickness) < tol)
    bc = fem.dirichletbc(
        default_scalar_type(T_b), fem.locate_dofs_topological(spaces["substrate"], tdim - 1, cold), spaces["substrate"]
    )
    options = {
        "snes_type": "newtonls",
        "snes_linesearch_type": "bt",
        "snes_rtol": rtol,
        "snes_atol": 1e-7 * scale,
        "snes_stol": 1e-12,
        "snes_max_it": 60,
        "ksp_type": "preonly",
        "pc_type": "lu",
        "pc_factor_mat_solver_type": "mumps" if comm.size > 1 else "petsc",
    }
    problem = NonlinearProblem(
        [F[n] for n in names],
        [T[n] for n in names],
        bcs=[bc],
        kind="mpi",
        entity_maps=[emaps[n] for n in names],
        petsc_options_prefix="psc_heat_",
        petsc_options=options,
    )
    forget("psc_heat_", options)  # not left in PETSc's global database (psc_fem.solver.lifetime)
    problem.solver.setConvergenceHistory(reset=True)
    problem.solve()
    reason = problem.solver.getConvergedReason()
    its = problem.solver.getIterationNumber()
    final = problem.solver.getConvergenceHistory()[0][its] if its else np.inf
    # the round-off floor depends on the mesh (gmsh 4.15: 1e-6 of the scale on the slab, where the line search
    # then stalls): a stalled search at a residual this small is Newton at the floor, not a failure
    stalled_at_floor = reason == PETSc.SNES.ConvergedReason.DIVERGED_LINE_SEARCH and final <= ROUNDOFF_FLOOR * scale
    if reason <= 0 and not stalled_at_floor:
        raise RuntimeError(f"heat model: Newton did not converge (SNES reason {reason})")

    def total(form):
        return comm.allreduce(fem.assemble_scalar(fem.form(form, entity_maps=[emaps[n] for n in names])), op=MPI.SUM)

    def extrema(name):
        arr = T[name].x.array[: spaces[name].dofmap.index_map.size_local]
        lo = comm.allreduce(arr.min() if arr.size else np.inf, op=MPI.MIN)
        hi = comm.allreduce(arr.max() if arr.size else -np.inf, op=MPI.MAX)
        return float(lo), float(hi)

    one = c(1.0)
    area_f = total(one * dx(FILAMENT))
    area_t = total(one * dx(TOP))
    summary = {
        "T_top_min": extrema("top")[0],
        "T_top_max": extrema("top")[1],
        "T_top_mean": total(Tt * dx(TOP)) / area_t,
        "T_filament_mean": total(Tf * dx(FILAMENT)) / area_f,
        "T_filament_max": extrema("filament")[1],
        "T_substrate_max": extrema("substrate")[1],
        # face temperatures (means over the interfaces): the Kapitza jumps
        "T_substrate_top": total(Ts("-") * dS(IF_FILAMENT_SUBSTRATE)) / w,
        "T_filament_bottom": total(Tf("+") * dS(IF_FILAMENT_SUBSTRATE)) / w,
        "T_filament_top": total(Tf("+") * dS(IF_FILAMENT_TOP)) / w,
        "T_top_interface": total(Tt("-") * dS(IF_FILAMENT_TOP)) / w,
        # heat currents per filament (W): Kapitza conduction filament -> plate
        "Q_kapitza_filament_substrate": length * total(J_fs * dS(IF_FILAMENT_SUBSTRATE)),
        "Q_kapitza_filament_top": length * total(J_ft * dS(IF_FILAMENT_TOP)),
        "P_joule": P_joule,
        "P_pump": P_pump,
        "newton_iterations": int(its),
        "cells": int(comm.allreduce(msh.topology.index_map(tdim).size_local, op=MPI.SUM)),
        "h_min": float(h_min),
    }
    summary["energy_residual"] = (
        summary["Q_kapitza_filament_substrate"] + summary["Q_kapitza_filament_top"] - P_joule
    ) / max(P_joule, 1e-300)
    if out_dir is not None:
        summary["xdmf"] = str(write_xdmf(Path(out_dir), subs, T, comm))
    return HeatSolution(T, summary)


def write_xdmf(out_dir, subs, T, comm):
    """heat.xdmf: one grid per solid ('substrate', 'filament', 'top'), each with its T (K)."""
    from dolfinx.io import XDMFFile

    if comm.rank == 0:
        out_dir.mkdir(parents=True, exist_ok=True)
    comm.Barrier()
    path = out_dir / "heat.xdmf"
    with XDMFFile(comm, path, "w") as f:
        for name, sub in subs.items():
            f.write_mesh(sub)
            T[name].name = f"T_{name}"
            f.write_function(T[name], 0.0, mesh_xpath=f"/Xdmf/Domain/Grid[@Name='{name}']")
    return path


def solve_cross_section(cfg, mats, nom, out_dir, comm=MPI.COMM_WORLD):
    """The cooling config's cross-section with the nominal balance's sources; summary dict."""
    from psc_fem.meshes.cross_section import CrossSection

    c, h = cfg.cooling, cfg.heat
    cs = CrossSection(c.width, c.thickness, h.top_width, h.top_thickness, h.substrate_width, h.substrate_thickness)
    L = nom["length"]
    N = c.n_series
    sol = solve(
        cs,
        {r: mats[r].k_params() for r in ("substrate", "filament", "top")},
        kapitza.HK_T3 * nom["G_fs"],
        kapitza.HK_T3 * nom["G_ft"],
        c.T_bath,
        nom["P_psc"],
        nom["P_c"],
        L,
        q_load=c.load / N / (h.top_width * L),
        g_lead=c.lead_conductance / N / (h.top_width * L),
        filament_cells=h.filament_cells,
        growth=h.growth,
        max_cells=h.max_cells,
        comm=comm,
        out_dir=out_dir,
    )
    return sol.summary
