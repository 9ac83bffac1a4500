"""Many runs: MPI batches (batch), I-V sweeps (sweep), the critical current (critical) and their tables (tables)."""
