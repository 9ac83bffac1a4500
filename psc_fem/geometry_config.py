"""The sub-tables of a non-uniform wire's [wire] section: [wire.cross_section] and [wire.banks] (docs/geometry.md).

Part of the run config (psc_fem.config), on the same strict schema base.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_serializer, model_validator

from psc_fem.schema import Section

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class CrossSection(Section):
    """[wire.cross_section]: the profile S(x) of a non-uniform wire (docs/geometry.md).

    S = 1 is the cross-section where the current density is [drive] current;
    ``scale`` multiplies every shape.  Each shape takes its own keys only.
    """

    shape: Literal["uniform", "constriction", "taper", "file"]
    scale: Annotated[float, Field(gt=0, le=1e3, allow_inf_nan=False)] = 1.0
    position: Annotated[float, Field(allow_inf_nan=False)] | None = None
    width: PositiveFloat | None = None
    depth: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None = None
    ratio: Annotated[float, Field(gt=0, le=1e3, allow_inf_nan=False)] | None = None
    path: str | None = None

    @model_validator(mode="after")
    def _keys_of_shape(self):
        keys = {"uniform": (), "constriction": ("width", "depth"), "taper": ("ratio",), "file": ("path",)}[self.shape]
        optional = ("position",) if self.shape == "constriction" else ()
        for k in ("position", "width", "depth", "ratio", "path"):
            given = getattr(self, k) is not None
            if k in keys and not given:
                raise ValueError(f"wire.cross_section.{k} is required for shape = '{self.shape}'")
            if given and k not in keys + optional:
                raise ValueError(f"wire.cross_section.{k} does not apply to shape = '{self.shape}'")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        return {k: v for k, v in handler(self).items() if v is not None}  # only the shape's own keys


class Banks(Section):
    """[wire.banks]: banks of finite length inside [-L/2, L/2] (docs/geometry.md).

    ``kind = "superconducting"``: wide banks of the wire's superconductor
    (``width`` required).  ``kind = "normal"``: normal-metal banks, where
    (1 - |Psi|^2) of (A.1) becomes (-suppression - |Psi|^2), ending in normal
    reservoirs (Psi = 0); ``width`` defaults to 1 (the wire's own section).
    """

    kind: Literal["superconducting", "normal"] = "superconducting"
    length: PositiveFloat
    width: Annotated[float, Field(ge=1, le=1e3, allow_inf_nan=False)] | None = None
    suppression: Annotated[float, Field(gt=0, le=1e4, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _keys_of_kind(self):
        if self.kind == "superconducting" and self.width is None:
            raise ValueError("wire.banks.width is required for kind = 'superconducting'")
        if self.kind == "superconducting" and self.suppression is not None:
            raise ValueError("wire.banks.suppression does not apply to kind = 'superconducting' (only to 'normal')")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        return {k: v for k, v in handler(self).items() if v is not None}  # superconducting banks dump as before

    @property
    def normal(self):
        return self.kind == "normal"

    @property
    def width_value(self):
        """S of the banks as a multiple of the wire's profile (normal banks: 1 unless given)."""
        return 1.0 if self.width is None else self.width

    @property
    def suppression_value(self):
        """a of the normal banks' (-a - |Psi|^2): the key, or 10 (coherence length 1/sqrt(10) = 0.32 xi)."""
        return 10.0 if self.suppression is None else self.suppression
