"""Progress of one run: a tqdm bar in a terminal, one line per 10% of t_end in a batch log.

A Slurm log (stderr not a terminal) gets lines such as

    psc-fem: tau = 40 / 400 (10%), elapsed 3 s, ETA 27 s

so a long job is never silent.  Rank 0 only.
"""

import sys
import time


class RunProgress:
    """``mode``: "bar", "lines" or "off"; `update(dt)` advances simulated time, `close()` ends."""

    STEP = 0.1  # a line per this fraction of t_end

    def __init__(self, mode: str, t_end: float, stream=None):
        self.mode, self.t_end = mode, t_end
        self.stream = stream or sys.stderr
        self.t = 0.0
        self.next_mark = self.STEP
        self.t0 = time.perf_counter()
        self.bar = None
        if mode == "bar":
            from tqdm import tqdm

            self.bar = tqdm(
                total=t_end,
                unit="tau",
                file=self.stream,
                bar_format="{l_bar}{bar}| {n:.4g}/{total:.4g} tau [{elapsed}<{remaining}]",
            )

    @staticmethod
    def choose(progress: bool | None, rank: int, stream=None) -> str:
        """None: a bar in a terminal, lines otherwise; True: a bar; False: nothing.  Only rank 0 shows it."""
        if rank != 0 or progress is False:
            return "off"
        if progress is True or (stream or sys.stderr).isatty():
            return "bar"
        return "lines"

    def update(self, dt: float) -> None:
        self.t += dt
        if self.bar is not None:
            self.bar.update(dt)
        elif self.mode == "lines" and self.t >= self.next_mark * self.t_end * (1 - 1e-12):
            while self.next_mark * self.t_end <= self.t * (1 + 1e-12):
                self.next_mark += self.STEP
            elapsed = time.perf_counter() - self.t0
            eta = elapsed * (self.t_end - self.t) / self.t if self.t > 0 else float("nan")
            print(
                f"psc-fem: tau = {self.t:.4g} / {self.t_end:.4g} ({100 * self.t / self.t_end:.0f}%), "
                f"elapsed {elapsed:.0f} s, ETA {eta:.0f} s to t_end",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
