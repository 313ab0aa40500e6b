"""RemoteMonitor: the POST body it sends to a local server; unreachable servers only warn."""
import http.server
import json
import threading
import urllib.parse

import numpy as np
import pytest

from fkeras.callbacks.remote_monitor import RemoteMonitor


@pytest.fixture
def server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], body.decode()))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def test_form_post(server):
    root, received = server
    cb = RemoteMonitor(root=root)
    cb.on_epoch_end(2, {"loss": np.float32(0.5), "acc": 0.25})
    path, ctype, body = received[0]
    assert path == "/publish/epoch/end/" and ctype == "application/x-www-form-urlencoded"
    assert json.loads(urllib.parse.parse_qs(body)["data"][0]) == {"epoch": 2, "loss": 0.5, "acc": 0.25}


def test_json_post_with_custom_path_and_field(server):
    root, received = server
    RemoteMonitor(root=root, path="/x", send_as_json=True).on_epoch_end(0, {"loss": 1.0})
    assert received[0] == ("/x", "application/json", '{"epoch": 0, "loss": 1.0}')


def test_unreachable_server_warns():
    cb = RemoteMonitor(root="http://127.0.0.1:9")  # discard port: connection refused
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        cb.on_epoch_end(0, {"loss": 1.0})


@pytest.mark.parametrize("root, path", [("ftp://localhost", "/p"), ("http://localhost", "@evil.com/p")])
def test_bad_urls(root, path):
    with pytest.raises(ValueError):
        RemoteMonitor(root=root, path=path)
