"""`importer preview FILE`: what a run would do with a file, written as a report, nothing sent."""
