"""The base of every config model: unknown keys are errors and settings never change once loaded."""

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
