"""Files of a run directory: atomic writes, the run writer, XDMF, checkpoints and the run lock.

File names and readers live in psc_fem.rundir; these modules write.
"""
