"""Speech-to-text microservice: whisper.cpp (through pywhispercpp) behind a small HTTP API.

    python -m bundled_services.whisper_service --host 127.0.0.1 --port 8080 --model PATH

Endpoints:
    POST /transcribe  multipart field `audio` (.mp3 .wav .m4a .webm)
                      -> 200 {"text": str, "duration_seconds": float}
                      -> 400 INVALID_INPUT, 413 FILE_TOO_LARGE / AUDIO_TOO_LONG, 503 BUSY
                      errors are {"detail": str, "error_code": str}
    GET  /health      -> 200 once the model is loaded

Each command-line option falls back to an environment variable, then to a default:
    --model         WHISPER_MODEL_PATH         ggml model file (default: ggml-base.bin in the
                                               models dir, see `provisioning.whisper_model`)
    --host          WHISPER_HOST               127.0.0.1
    --port          WHISPER_PORT               8080 (the server's default WHISPER_SERVICE_URL)
    --threads       WHISPER_THREADS            min(4, CPU count): whisper.cpp compute threads
    --max-upload-mb WHISPER_MAX_UPLOAD_MB      50 (MiB): largest accepted upload, enforced while reading
    --max-audio-seconds WHISPER_MAX_AUDIO_SECONDS  3600: longest accepted audio once decoded
    --max-pending   WHISPER_MAX_PENDING        8: transcriptions running or queued before 503
    --language      WHISPER_LANGUAGE           en ('auto' detects it per request)
    --verbatim / --no-verbatim  WHISPER_VERBATIM  1: keep filler words (um, uh, like, ...)
    --beam-size     WHISPER_BEAM_SIZE          5: beam search width; 0 decodes greedily (faster)
"""
