"""What counts as a delayed arrival: shared by the Spark transforms and the pandas reports. It imports nothing, so
a report-rendering worker process gets it without loading PySpark."""

DELAY_THRESHOLD_MINUTES = 15
