"""The shared plug-in package's naming.py: the names of what the plug-ins make."""

from maskgan.labels import CLASS_NAMES
from maskgan_plugin_common import naming


def test_next_numbered_and_class_layer_names():
    assert naming.next_numbered("MaskGAN edit", []) == "MaskGAN edit 1"
    existing = ["MaskGAN edit 1", "MaskGAN edit 7", "MaskGAN edit x", "Background"]
    assert naming.next_numbered("MaskGAN edit", existing) == "MaskGAN edit 8"
    name = naming.class_layer_name(13, CLASS_NAMES)
    assert name == "13 Hair" and naming.class_of_layer(name, CLASS_NAMES) == 13
    assert naming.class_of_layer("13 Hat", CLASS_NAMES) is None
    assert naming.class_of_layer("Background", CLASS_NAMES) is None
