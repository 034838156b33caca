"""Installs the editor plug-ins and points them at the daemon (import name: maskgan_installer)."""
