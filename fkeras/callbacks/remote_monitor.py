"""``RemoteMonitor``: POST each epoch's logs to a server (standard library only)."""
from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from fkeras.callbacks.callback import Callback


def _validate_url_structure(root, path):
    root_parsed = urllib.parse.urlparse(root)
    if root_parsed.scheme not in ("http", "https"):
        raise ValueError(f"Invalid URL scheme '{root_parsed.scheme}'. Only 'http' and 'https' are allowed.")
    full_parsed = urllib.parse.urlparse(root + path)
    if full_parsed.hostname != root_parsed.hostname:
        raise ValueError(
            f"Host injection detected: the combined URL hostname '{full_parsed.hostname}' does not match the root "
            f"hostname '{root_parsed.hostname}'. Ensure 'path' does not contain '@', scheme separators, or other "
            "authority-altering characters.")
    if not full_parsed.hostname:
        raise ValueError("URL must contain a valid hostname.")


def _check_resolved_address(hostname):
    """Refuse link-local targets (cloud metadata services), resolved at request time."""
    try:
        infos = socket.getaddrinfo(hostname, None)
    except socket.gaierror as exc:
        raise ValueError(f"Unable to resolve hostname '{hostname}': {exc}") from exc
    for ip_str in {info[4][0] for info in infos}:
        try:
            ip = ipaddress.ip_address(ip_str)
        except ValueError:
            continue
        if ip.is_link_local:
            raise ValueError(
                f"Requests to link-local IP addresses are not allowed (SSRF protection): '{ip_str}' resolved from "
                f"'{hostname}'.")


class RemoteMonitor(Callback):
    """Send the logs of every epoch to a server with an HTTP POST to ``root + path``.

    The body is a form with one field, ``field``, holding the JSON-encoded logs (plus ``"epoch"``),
    or, with ``send_as_json=True``, the JSON itself. An unreachable server gives a warning, not an
    error.

    Args:
        root: Base URL of the server, ``http`` or ``https``. Defaults to
            ``"http://localhost:9000"``.
        path: Path appended to ``root``. Defaults to ``"/publish/epoch/end/"``.
        field: Name of the form field holding the JSON logs. Defaults to ``"data"``.
        headers: Optional dict of extra HTTP headers.
        send_as_json: Whether to send the logs as a JSON body (``application/json``) instead of a
            form. Defaults to ``False``.

    Raises:
        ValueError: If ``root`` has another scheme than http(s), no hostname, or ``path`` changes
            the host.

    Example:
        monitor = keras.callbacks.RemoteMonitor(root="http://localhost:9000")
        model.fit(x, y, callbacks=[monitor])
    """

    _needs_live_weights = False  # reads logs only, never the model's weights per batch

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        _validate_url_structure(root, path)
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            send[k] = v.item() if isinstance(v, (np.ndarray, np.generic)) and np.ndim(v) == 0 else (
                v.tolist() if isinstance(v, np.ndarray) else v)
        _check_resolved_address(urllib.parse.urlparse(self.root).hostname)
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
