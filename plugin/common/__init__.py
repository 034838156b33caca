"""What the MaskGAN plug-ins share, whatever the editor: mask colours and pixels, layer names, messages, the
batch queue, the ranges and choices of the mask settings, and the plug-ins' error type.

Pure Python and numpy: it imports no editor (neither Krita nor Qt nor GIMP), only the
protocol client and the label table. Each installer vendors it beside its plug-in
(``vendor/maskgan_plugin_common``), so both editors say and check the same things.
"""
