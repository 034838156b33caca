"""The plug-in scenario: every check, in one Krita start (a start costs seconds; checks build on each other).

The settings checks restore the defaults and close their document before the batches over all open documents;
the liveness checks stop the test daemon: they come after every check that needs it.
"""

import plugin_daemon
import plugin_edit
import plugin_errors
import plugin_jobs
import plugin_liveness
import plugin_retouch
import plugin_settings

checks = (
    [plugin_retouch.check_docker_fits_a_narrow_width]
    + plugin_edit.checks
    + plugin_errors.checks
    + plugin_retouch.checks
    + plugin_settings.checks
    + plugin_jobs.checks
    + plugin_liveness.checks
    + plugin_daemon.checks
)
