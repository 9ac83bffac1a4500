"""Films: the finite-gap TDGL on 2D films and 3D bodies (docs/films.md).

`config` holds the [geometry] and [field] sections, `problem` the Newton
problem (the wire's on a 2D or 3D mesh), `probes` the voltage probes, `run`
the driver behind ``psc-fem run`` for a config with [geometry], `frames`
the fields read back, `vortices` the phase windings and `device` the
Python object of a film (`Device`).
"""

from psc_fem.film.device import Device

__all__ = ["Device"]
