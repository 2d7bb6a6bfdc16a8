"""Converts a CTranslate2 Whisper model into a whisper.cpp ggml file."""

from __future__ import annotations

import os
from pathlib import Path

from bundled_services.provisioning._whisper_assets import load_assets
from bundled_services.provisioning._whisper_ct2 import read_ct2_model
from bundled_services.provisioning._whisper_ggml import write_ggml
from bundled_services.provisioning._whisper_layout import read_hparams, whisper_tensors


def convert_ct2_to_ggml(ct2_model_bin: Path, whisper_sdist: Path, output: Path) -> None:
    model = read_ct2_model(ct2_model_bin)
    hparams = read_hparams(model)
    assets = load_assets(whisper_sdist, n_mels=hparams.n_mels, multilingual=hparams.multilingual)
    with output.open("wb") as out:
        write_ggml(out, hparams, assets.mel_filters, assets.tokens, whisper_tensors(model, hparams))
        # On disk before the caller renames it into place, so a crash cannot leave a torn file
        # under the final name.
        out.flush()
        os.fsync(out.fileno())
