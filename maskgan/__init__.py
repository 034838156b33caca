"""MaskGAN: face editing through semantic masks."""

__version__ = "0.1.0"
