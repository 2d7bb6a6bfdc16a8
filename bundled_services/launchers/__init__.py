"""Start, probe and stop the services the server needs, each bound to the loopback interface."""
