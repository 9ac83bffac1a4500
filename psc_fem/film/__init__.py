"""Films: the finite-gap TDGL on 2D strips (docs/films.md).

`config` holds the [geometry] and [field] sections, `problem` the Newton
problem (the wire's on a 2D mesh), `probes` the voltage probes and `run`
the driver behind ``psc-fem run`` for a config with [geometry].
"""
