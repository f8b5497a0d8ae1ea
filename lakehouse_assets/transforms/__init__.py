"""Pure DataFrame -> DataFrame transforms. Nothing here imports Dagster; a SparkSession is all a test needs."""
