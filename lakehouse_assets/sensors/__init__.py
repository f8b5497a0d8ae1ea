"""Sensors: new landing files start runs; drift or an old model starts retraining."""
