"""llama.cpp's OpenAI-compatible server (llama-cpp-python's), made faster for the embedded stack.

`python -m bundled_services.llm_service` takes the same arguments as `python -m llama_cpp.server`;
what differs is how a grammar-constrained answer is sampled (`sampling`), that guesses looked up in
the prompt are checked in each decoding step (`prompt_lookup`) and that the model's memory of each
prompt's opening turn is kept between requests (`opening_turns`).
"""
