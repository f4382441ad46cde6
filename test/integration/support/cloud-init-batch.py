"""Runs cloud-init's own `devel net-convert` for many jobs in one interpreter.

Each job is what one `cloud-init devel net-convert` call does, through the very same function
(cloudinit.cmd.devel.net_convert.handle_args), without starting a Python interpreter per call.

stdin:  a JSON list of jobs {"networkData": PATH, "distro": "debian", "outputKind": "netplan", "directory": DIR}
stdout: a JSON list of results, in job order: {"ok": true, "log": "..."} or {"ok": false, "error": "...", "log": "..."}

Run it with the interpreter of the cloud-init executable (its shebang), which has the cloudinit package.
"""
import contextlib
import copy
import io
import json
import logging
import sys
import traceback

from cloudinit import distros
from cloudinit.cmd.devel import net_convert


class Collect(logging.Handler):
    """Keeps the log records of the current job."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def main():
    jobs = json.load(sys.stdin)
    # net_convert trims the leading '/' of the distro's netplan path in place, and the renderer configs are class
    # attributes: restore every distro's configs before each job, or the second netplan job writes 'tc/netplan/...'.
    pristine = {}
    for distro in {job["distro"] for job in jobs}:
        cls = distros.fetch(distro)
        pristine[cls] = copy.deepcopy(cls.renderer_configs)
    # handle_args sets up logging to stderr once it finds no such handler; give it one, and collect per job.
    root = logging.getLogger()
    root.addHandler(logging.StreamHandler(sys.__stderr__))
    collect = Collect()
    collect.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(collect)
    parser = net_convert.get_parser()
    results = []
    for job in jobs:
        for cls, configs in pristine.items():
            cls.renderer_configs = copy.deepcopy(configs)
        collect.lines = []
        err = io.StringIO()
        args = parser.parse_args([
            "--network-data", job["networkData"], "--kind", "yaml", "--distro", job["distro"],
            "--output-kind", job["outputKind"], "--directory", job["directory"],
        ])
        try:
            with contextlib.redirect_stderr(err):
                net_convert.handle_args(net_convert.NAME, args)
            results.append({"ok": True, "log": "\n".join(collect.lines)})
        except Exception:  # noqa: BLE001 - report every failure with its job
            results.append({"ok": False, "error": traceback.format_exc(), "log": "\n".join(collect.lines) + err.getvalue()})
        finally:
            args.network_data.close()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
