"""Gap analysis: a job description's requirements judged against a resume, alone or for a session."""
