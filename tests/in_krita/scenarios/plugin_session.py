"""The plug-in scenario: every check, in one Krita start (a start costs seconds; checks build on each other)."""

import plugin_daemon
import plugin_edit
import plugin_errors
import plugin_jobs

checks = plugin_edit.checks + plugin_errors.checks + plugin_jobs.checks + plugin_daemon.checks
