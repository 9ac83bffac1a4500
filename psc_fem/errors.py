"""User-facing exceptions: the command line turns them into a message and an exit code.

ConfigError, UsageError and their kin mean bad input (exit code 2, nothing
written); StepFailure a run that could not go on (exit code 1, files
complete up to the failure); Interrupted a run stopped by a signal after
its checkpoint (exit code 128 + signal).  Nothing here imports the rest of
psc_fem, so every module may raise them.
"""

import signal


class ConfigError(ValueError):
    """Invalid configuration; the message names the offending key."""


class ResumeError(ConfigError):
    """A run directory that cannot be resumed with this config (exit code 2, nothing written)."""


class UsageError(ValueError):
    """Bad command-line input or a missing file: reported without a traceback, exit code 2."""


class OutputExists(UsageError):
    """The output directory already holds results: never overwritten or mixed unless asked (exit code 2)."""


class MaterialError(ValueError):
    """A bad materials-table row or override; the message names material and key."""


class StepFailure(RuntimeError):
    """Newton could not converge even at the smallest allowed step."""


class BatchError(RuntimeError):
    """A task of an MPI batch failed on some group (the message names the task)."""


class Interrupted(Exception):
    """A run stopped by SIGTERM/SIGINT after writing a checkpoint.

    ``signum``: the signal; ``t``: simulated time of the checkpoint;
    ``exit_code``: 128 + signum, the code a shell reports for the signal;
    ``result``: the run's `Solution` so far (set by `simulate`).
    """

    def __init__(self, signum: int, t: float | None = None):
        self.signum, self.t, self.result = int(signum), t, None
        where = f" at tau = {t:.6g}" if t is not None else ""
        super().__init__(f"interrupted by {signal.Signals(self.signum).name}{where}")

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum
