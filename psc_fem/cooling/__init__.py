"""Cooling balance of a PSC filament (Eqs. 14-15): config, units, run data, thermal chain, balance, verdict, heat, kapitza, materials."""
