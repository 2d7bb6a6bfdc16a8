"""User accounts: provisioning and tokens, team administration, and OAuth sign-in."""
