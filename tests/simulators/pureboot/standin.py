"""A stand-in installer: what the installer of a PXE-booted machine reports, for VMs that boot nothing.

fakepve's and the oVirt simulator's VMs do not run, so nothing they "boot" ever reaches PureBoot's /api/v1/boot or
reports on /api/v1/report. Where a test or the lab needs an install to finish on those types (pureboot_vm's
pureboot_node.wait_for), this plays the installer's part over HTTP, as a real one does (docs/provisioning.md,
"The path of one install", step 4): for each node it sees `pending` with a workflow, POST /api/v1/report
install_started, then install_complete (or three install_failed), and optionally first_boot. It never changes a
node any other way, and only reports for the MACs it is given (all when none). On libvirt the real installer of
tests/simulators/installer does this from inside the VM.

    with StandInInstaller(double.url, double.api_key, cafile=double.cafile, pause=0.5):
        ...  # pureboot_vm with pureboot_node: {install: true, wait_for: installed}
"""

import threading
import time

import requests


class StandInInstaller:
    """Reports install events for pending nodes from a thread of its own; `reported` lists (mac, event) in order.

    pause: seconds between one event of a node and its next. ready(node): called with the node (as GET /nodes lists
    it) before install_complete is sent; the event waits while it returns false (a test holds the install there
    until it has seen the node installing). fail: MACs whose installs fail, or True for every one (three
    install_failed, the third moving the node to install_failed, with `failure` as the installer's message). first_boot: report it after
    install_complete, as the installed system does (the node becomes active).
    """

    def __init__(
        self, url, api_key, cafile=None, macs=None, pause=0.5, interval=0.2, ready=None, fail=(), failure='installer: no disk found', first_boot=False
    ):
        self.url = url.rstrip('/')
        self.api_key = api_key
        self.verify = cafile or True
        self.macs = {m.lower() for m in macs} if macs else None
        self.pause = pause
        self.interval = interval
        self.ready = ready or (lambda node: True)
        self.fail = fail if fail is True else {m.lower() for m in fail}
        self.failure = failure
        self.first_boot = first_boot
        self.reported = []
        self._next = {}  # mac -> (next event, not before this monotonic time)
        self._stop = threading.Event()
        self._thread = None
        self._session = requests.Session()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        self._thread = threading.Thread(target=self._run, name='standin-installer', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._session.close()

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                self.step()
            except requests.RequestException:
                pass  # the server is going away, or busy: look again next time

    def _nodes(self):
        answer = self._session.get(self.url + '/api/v1/nodes', headers={'Authorization': 'Bearer ' + self.api_key}, verify=self.verify, timeout=10)
        answer.raise_for_status()
        return answer.json()['data']

    def _report(self, mac, event, message=None):
        body = {'mac_address': mac, 'event': event}
        if message:
            body['message'] = message
        self._session.post(self.url + '/api/v1/report', json=body, verify=self.verify, timeout=10).raise_for_status()
        self.reported.append((mac, event))

    def step(self):
        """One look at the nodes, and the events that are due."""
        now = time.monotonic()
        for node in self._nodes():
            mac = node['mac_address']
            if self.macs is not None and mac not in self.macs:
                continue
            state = node['state']
            if state == 'pending' and node.get('workflow_id'):
                # A (new) install: the machine booted the install script.
                self._report(mac, 'install_started')
                self._next[mac] = ('finish', now + self.pause)
                continue
            event, due = self._next.get(mac, (None, 0))
            if event is None or now < due:
                continue
            if event == 'finish' and state == 'installing':
                if self.fail is True or mac in self.fail:
                    for _attempt in range(3):
                        self._report(mac, 'install_failed', self.failure)
                    self._next.pop(mac)
                elif self.ready(node):
                    self._report(mac, 'install_complete')
                    if self.first_boot:
                        self._next[mac] = ('first_boot', now + self.pause)
                    else:
                        self._next.pop(mac)
            elif event == 'first_boot' and state == 'installed':
                self._report(mac, 'first_boot')
                self._next.pop(mac)
            elif event == 'finish' or event == 'first_boot':
                self._next.pop(mac)  # someone else moved the node on: nothing to report
