"""A file's life from scan to archive: the watch, completeness, claim, archive, durable writes."""
