"""Many runs: MPI batches (batch), I-V sweeps (sweep) and the critical current (critical)."""
