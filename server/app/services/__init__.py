"""The server's business logic, one package per feature; the API and the workers call into it."""
