"""MaskGAN training: MaskVAE, Dense Mapping Network and Editing Behavior Simulated Training (docs/training.md)."""
