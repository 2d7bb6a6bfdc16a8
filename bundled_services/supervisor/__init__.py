"""The embedded stack: every service Ascend AI needs, started in order on this machine's loopback.

Order: PostgreSQL + pgvector (migrated; the knowledge base seeded on first run), the broker, the
object store, the speech service, the LLM server, the Celery worker, the API. A service starts only
once everything it depends on has passed its readiness probe; the speech and language-model servers
depend on nothing, so they load their models while the database is started and migrated, and are
probed before the worker and the API (which call them) start. A service the configuration points
elsewhere (WHISPER_SERVICE_URL, LOCAL_LLM_API_BASE, LLM_PROVIDER=openai) is not started.

A crashed process is reported and restarted (a worker's unfinished job is handed back to the queue
first); SIGINT/SIGTERM stops everything in reverse order, PostgreSQL last and cleanly.

The package, by responsibility: `stack` holds `EmbeddedStack`, which starts the services in order and
stops them; `environment` what their processes are told about this machine; `probes` the readiness
checks that need more than a service's own; `restarts` the watch that restarts a crashed service and
gives up on a crash loop; `serve` the signal handling and `ascend serve`'s foreground loop.
"""
