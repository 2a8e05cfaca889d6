"""Smoke test of the REAL app: drive the debug binary over WebDriver (tauri-driver +
WebKitWebDriver) and call its commands from inside the webview, the way the UI would, then
show the kernel keyring so you can see the session really went there.

Needs: `cargo install tauri-driver --locked` (on PATH), apt `webkit2gtk-driver keyutils xvfb`.
Run (from desktop/, after `cargo build`):

    tmp=$(mktemp -d); HOME=$tmp XDG_CACHE_HOME=$tmp/.cache PATH=$PATH:/root/.cargo/bin \
      xvfb-run -a dbus-run-session -- keyctl session - python3 tests/webdriver_smoke.py

It prints what each command returned and exits non-zero if anything is not as expected.
"""
import json, os, subprocess, sys, time, urllib.request

BIN = os.environ.get("ADUAN_DESKTOP_BIN", os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "debug", "aduan-desktop"))
URL = "http://127.0.0.1:4444"

def call(method, path, body=None):
    req = urllib.request.Request(URL + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["value"]

def run_js(sid, script):
    return call("POST", f"/session/{sid}/execute/async", {"script": script, "args": []})

driver = subprocess.Popen(["tauri-driver"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(50):
        try:
            call("GET", "/status"); break
        except Exception:
            time.sleep(0.2)
    sid = call("POST", "/session", {"capabilities": {"alwaysMatch": {
        "tauri:options": {"application": BIN}}}})["sessionId"]
    time.sleep(2)
    print("title:", call("GET", f"/session/{sid}/title"))
    first = run_js(sid, """
const done = arguments[arguments.length - 1];
const inv = window.__TAURI_INTERNALS__.invoke;
(async () => {
  const r = {};
  r.before = await inv('session_load');
  await inv('session_save', { server: 'http://127.0.0.1:18080', token: 'tok-123' });
  r.loaded = await inv('session_load');
  r.pushed = await inv('outbox_push', { complaint: { channel: 'walk_in', description: 'x' }, idempotencyKey: 'k-1' });
  r.list = await inv('outbox_list');
  try { await inv('watcher_start', { server: 'ftp://nope', token: 't' }); } catch (e) { r.watcherError = e; }
  await inv('watcher_stop');
  return r;
})().then(done, e => done({ thrown: String(e) }));
""")
    print("commands:", json.dumps(first, indent=1))
    print("keyring after save:", subprocess.run(["keyctl", "show", "@s"], capture_output=True, text=True).stdout)
    second = run_js(sid, """
const done = arguments[arguments.length - 1];
const inv = window.__TAURI_INTERNALS__.invoke;
(async () => {
  await inv('session_clear');
  await inv('outbox_remove', { key: 'k-1' });
  return { after: await inv('session_load'), list: await inv('outbox_list') };
})().then(done, e => done({ thrown: String(e) }));
""")
    print("after clear:", second)
    assert first["before"] is None, first
    assert first["loaded"] == {"server": "http://127.0.0.1:18080", "token": "tok-123"}, first
    assert first["list"][0]["idempotency_key"] == "k-1", first
    assert first["watcherError"]["code"] == "invalid_url", first
    assert second == {"after": None, "list": []}, second
    print("keyring after clear:", subprocess.run(["keyctl", "show", "@s"], capture_output=True, text=True).stdout)
    call("DELETE", f"/session/{sid}")
finally:
    driver.terminate()
