"""The label table (classes, palette, mask ⇄ colour): vendored inside an editor as ``maskgan_labels``, the
project's own ``maskgan.labels`` elsewhere (tests, the command line)."""


def labels():
    try:
        import maskgan_labels as module
    except ImportError:
        from maskgan import labels as module
    return module
