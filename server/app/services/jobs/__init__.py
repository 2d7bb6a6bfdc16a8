"""Background jobs as the services see them: queueing one, and how it fails."""
