"""The floor of the library: helpers that train, infer, parsing and eval all stand on.

Device and precision choice, photo input checks, mask bounds and dilation, the face
framing, IoU counting, tensor conversions, the atomic file writer and the install
hints of the optional extras. Nothing here
imports any other part of maskgan but ``maskgan.labels`` (tests/test_import_graph.py).
"""
