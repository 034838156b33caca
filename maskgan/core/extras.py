"""How to install the optional parts of the library, for the errors that find them missing."""

# The `parsing` extra (landmark parser, identity score, real-photo sample): mediapipe 0.10.21 goes in
# with --no-deps because its metadata pins numpy<2, although it runs with numpy 2.
PARSING_INSTALL = (
    "make setup-parsing (or, in the project's venv: pip install -e '.[parsing]' && "
    "pip install --no-deps mediapipe==0.10.21)"
)
