"""Local ZeroMQ daemon that runs MaskGAN for the editor plug-ins (import name: maskgan_daemon)."""
