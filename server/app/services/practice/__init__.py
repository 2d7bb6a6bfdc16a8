"""Practice: a session's questions, the recorded answers and their transcripts, and a user's history."""
