"""psc_fem from Python: simulate the Fig. 1 wire, analyse it, plot it, get its spectrum.

    .venv/bin/python examples/quickstart.py [OUT_DIR]

The run stops once it has settled (examples/fig1.toml: time.until =
"periodic"), near tau = 145; the numbers printed come from the settled window.
"""

import sys

import psc_fem

out = sys.argv[1] if len(sys.argv) > 1 else "runs/quickstart"
# The config file of the command line, with overrides as with --set.
cfg = psc_fem.load_config("examples/fig1.toml", ["output.every=0.2"])

# Or change sections in code: a ramp from 0.5 to 1.5 would be
# cfg.replace(drive={"current": 0.5, "ramp_to": 1.5, "ramp_time": 40.0})
sol = psc_fem.simulate(cfg, out, progress=False)  # a Solution

# numpy arrays, one value per accepted time step
s = sol.series
print(f"{s['t'].size} steps, max V = {s['V'].max():.4f}, min |Psi(0,t)| = {s['psi_center'].min():.2e}")
st = sol.stats
print(
    f"state = {st['state']}, period = {st['period']:.4f}, mean V = {st['mean_V']:.5f}, "
    f"period*mean(V)/(2 pi) = {st['josephson_ratio']:.5f}"
)

# The run directory reloaded (the same Solution): frames are x-sorted arrays (n_frames, n_nodes)
sol = psc_fem.load_run(out)
print("frame fields:", sorted(k for k in sol.frames if k not in ("t", "x")))
fig = sol.plot_fig1(sol.rundir.figure("fig1"))  # a matplotlib Figure, saved as fig1.png
print("figure:", sol.rundir.figure("fig1"))
sol.plot_frame(float(sol.frames["t"][-1]), sol.rundir.figure("frame"))  # the fields at one time

# Phonon spectra of Eq. (12) at T = 1 - eta, gamma = 1/delta of the run
spec = sol.spectrum()
print(f"E+ = {spec['E_plus']:.4f}, E- = {spec['E_minus']:.4f} per period (E+ = -E-: {spec['ratio']:.5f})")
