"""The logic behind each screen: work on worker threads, results out through signals."""
