"""llama.cpp's OpenAI-compatible server (llama-cpp-python's) with grammar-checked sampling.

`python -m bundled_services.llm_service` takes the same arguments as `python -m llama_cpp.server`;
the only difference is how a grammar-constrained answer is sampled (see `sampling`).
"""
