"""The `maskgan` command line (import name: maskgan_cli): the application around the model library.

It is a client of the library (`maskgan`) and of the daemon (`maskgan_daemon`,
`maskgan_client`); nothing in the library imports it.
"""
