"""Asset-check names, shared by the checks, tests, sensors and reports that refer to them."""

# Ingestion: every row read is loaded or quarantined, on the committed tables.
ROWS_CONSERVED = "rows_conserved"
NATURAL_KEY_COMPLETE = "natural_key_complete"
NATURAL_KEY_UNIQUE = "natural_key_unique"
VOLUME_WITHIN_RECENT_RANGE = "volume_within_recent_range"
NULL_RATES_WITHIN_THRESHOLD = "null_rates_within_threshold"
FEATURE_COLUMNS_ALLOWED = "feature_columns_allowed"
CHALLENGER_PROMOTED = "challenger_promoted"
FEATURE_DRIFT_WITHIN_THRESHOLD = "feature_drift_within_threshold"
EVERY_FLIGHT_SCORED = "every_flight_scored"
