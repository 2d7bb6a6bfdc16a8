"""How background work tells a retry-worthy failure from one that retrying cannot fix."""


class TransientJobError(Exception):
    """A dependency is down or overloaded: the job is retried with backoff."""


class PermanentJobError(Exception):
    """Retrying cannot help; the message is stored as the row's failure reason, for the user."""
