"""Whether a config's [phonons] section changes or observes a run (no heavy imports: read at every start-up)."""


def active(config):
    """True when [phonons] changes the TDGL (feedback on, tau_es > 0)."""
    return config.phonons is not None and config.phonons.active


def observed(config):
    """True when a run carries the feedback observer ([phonons] feedback = true, any tau_es)."""
    return config.phonons is not None and config.phonons.feedback
