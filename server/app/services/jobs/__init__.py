"""Background jobs as the services see them: queueing one, what it runs with, and how it fails."""
