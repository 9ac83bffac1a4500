"""Cooling balance of a PSC filament (Eqs. 14-15): config, physical units, thermal chain, Monte Carlo, verdict."""
