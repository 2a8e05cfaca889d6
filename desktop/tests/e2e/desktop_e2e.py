"""End-to-end test of the REAL desktop app against the REAL server.

Drives the debug binary over WebDriver (WebKitGTK's own driver) the way a counter
clerk would: first start (the server address IT set for the computer, sign-in), the
session kept in the kernel keyring and resumed on reopening, a walk-in complaint
submitted and seen `enriched`, the native notification received by dunst and clicked to
open the complaint, then the outbox: server stopped -> submit (form, and a file chosen
in the native file dialog, typed into it over XTEST) -> app restarted -> server started
-> each complaint exactly once. What a script in the page must not do is tried and
refused: reach the server itself (CSP), upload a file by its path. Then updates: a build signed with the key the app was built with
(run.sh: update-key.sh) is published with `aduan-server desktop publish` and offered with
its notes, downloaded and its signature checked; one signed with another key is refused.
Last, an address the user enters wins over the one IT set.

Run it through run.sh (Xvfb, a private D-Bus with dunst, a session keyring); it prints
one line per check and exits non-zero on the first failure.
"""
import ctypes
import hashlib
import http.client as http_client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
APP_BIN = os.path.join(TARGET, "debug", "aduan-desktop")
SERVER_BIN = os.path.join(TARGET, "debug", "aduan-server")
SHOTS = os.path.join(REPO, "desktop", "tests", "screenshots")
NOTIFY_LOG = os.environ["ADUAN_NOTIFY_LOG"]  # written by dunst's script rule (run.sh)
# The private half of the key whose public half the app under test was built with.
UPDATE_KEY = os.environ["ADUAN_TEST_UPDATE_KEY"]
# Where the app looks for the settings IT makes for every user (run.sh points it here).
MANAGED_DIR = os.environ["XDG_CONFIG_DIRS"].split(":")[0]
# WebKitWebDriver is spoken to directly, on a port of its own (set in main), with a fresh
# connection per request: a proxy in front of it (tauri-driver) forwards requests over a
# kept-alive connection that the driver now and then resets, and then drops the request
# unanswered.
WEBDRIVER = None


def http(method, url, body=None, token=None, timeout=30):
    """One JSON request; returns (status, parsed body or text)."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, method=method, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        raw, status = e.read(), e.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_for(what, check, timeout=30.0, every=0.25):
    """Poll `check` until it returns something truthy; fail naming `what`."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = check()
            if last:
                return last
        except Exception as e:  # a transient WebDriver or network error: try again
            last = e
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class Server:
    """`aduan-server serve --demo` on a fixed port and data dir, so it can be restarted."""

    def __init__(self, data_dir, port):
        self.data_dir, self.port = data_dir, port
        self.url = f"http://127.0.0.1:{port}"
        self.public_port = free_port()
        self.public_url = f"http://127.0.0.1:{self.public_port}"
        self.proc = None
        self.passwords = {}

    def start(self):
        log_path = os.path.join(self.data_dir, "server.log")
        log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [SERVER_BIN, "serve", "--demo", "--data-dir", self.data_dir,
             "--listen", f"127.0.0.1:{self.port}",
             "--public-listen", f"127.0.0.1:{self.public_port}", "--public-pow-bits", "8"],
            stdout=log, stderr=log, env={**os.environ, "RUST_LOG": "warn"})
        wait_for("the server to be ready",
                 lambda: http("GET", f"{self.url}/readyz", timeout=2)[0] == 200, 120)
        # Demo users are created (and their passwords printed) on the first start only.
        if not self.passwords:
            for m in re.finditer(r"demo user created: (\w+) / (\S+)", open(log_path).read()):
                self.passwords[m[1]] = m[2]
            assert len(self.passwords) == 3, "no demo passwords in the server's output"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)

    def token(self, user):
        status, body = http("POST", f"{self.url}/api/v1/auth/login",
                            {"username": user, "password": self.passwords[user]})
        assert status == 200, body
        return body["token"]


def proof_of_work(server):
    """A challenge from the portal, answered as the portal page does."""
    status, c = http("GET", f"{server.public_url}/public/v1/challenge")
    assert status == 200, c
    nonce = 0
    while True:
        digest = hashlib.sha256(f"{c['prefix']}:{nonce}".encode()).digest()
        bits = int.from_bytes(digest, "big")
        if 256 - bits.bit_length() >= c["difficulty"]:
            return {"id": c["id"], "nonce": str(nonce)}
        nonce += 1


def portal_report(server, description):
    """A report through the public portal, as a reporter's browser sends it: the receipt."""
    boundary = "aduan-e2e-" + os.urandom(8).hex()
    parts = [("pow", proof_of_work(server)),
             ("report", {"description": description, "anonymous": True})]
    body = b"".join(
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n"
        f"Content-Type: application/json\r\n\r\n{json.dumps(value)}\r\n".encode()
        for name, value in parts) + f"--{boundary}--\r\n".encode()
    req = urllib.request.Request(
        f"{server.public_url}/public/v1/reports", data=body, method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201, r.status
        return json.loads(r.read())


def resent(what, attempts, pause, send):
    """`send()`, sent again (up to `attempts` times in all, `pause` seconds apart) when the
    request is dropped or stalls on a loaded machine. Only for requests safe to repeat."""
    for attempt in range(attempts):
        try:
            return send()
        except (OSError, http_client.HTTPException) as e:  # reset, timeout, refused
            if attempt == attempts - 1:
                raise
            print(f"     ({what}: {e!r}; again)", flush=True)
            time.sleep(pause)


class App:
    """One run of the desktop binary under WebDriver."""

    def __init__(self):
        # What tauri-driver would send for {"tauri:options": {"application": APP_BIN}}.
        _, body = http("POST", f"{WEBDRIVER}/session", {"capabilities": {"alwaysMatch": {
            "webkitgtk:browserOptions": {"binary": APP_BIN, "args": []}}}}, timeout=120)
        self.sid = body["value"]["sessionId"]
        self.base = f"{WEBDRIVER}/session/{self.sid}"

    def quit(self):
        """End the session (WebKitWebDriver closes the app). A session that is already
        gone answers 404, which counts as closed."""
        status, body = resent("closing the app", 3, 2,
                              lambda: http("DELETE", self.base, timeout=60))
        assert status in (200, 404), f"closing the app: {status} {body}"

    def read(self, method, path, body=None):
        """A WebDriver call that is safe to repeat."""
        return resent(f"WebDriver {method} {path}", 4, 1,
                      lambda: http(method, f"{self.base}{path}", body))[1]["value"]

    def js(self, script, *args):
        return self.read("POST", "/execute/sync", {"script": script, "args": list(args)})

    def js_once(self, slot, script, *args):
        """Run `script` (the body of an async function) at most once, keep its outcome in
        `window[slot]` and poll for it. Every request here is safe to send again when the
        driver drops it, which one `execute/async` call cannot promise for a script with
        effects such as a submission."""
        self.js(f"""
if (!window['{slot}']) {{
  window['{slot}'] = {{ done: false }};
  const run = (async function() {{ {script} }}).apply(null, arguments);
  run.then((value) => {{ window['{slot}'] = {{ done: true, value }}; }},
           (error) => {{ window['{slot}'] = {{ done: true, value: {{ error }} }}; }});
}}
return true;""", *args)
        poll = f"const r = window['{slot}']; return r && r.done ? r : null"
        result = wait_for(f"the result of {slot}", lambda: self.js(poll), 120)
        return result["value"]

    def exists(self, css):
        return self.js("return !!document.querySelector(arguments[0])", css)

    def text(self, css):
        return self.js("const e = document.querySelector(arguments[0]); "
                       "return e ? e.textContent.trim() : null", css)

    def element(self, css):
        value = self.read("POST", "/element", {"using": "css selector", "value": css})
        assert isinstance(value, dict) and value, f"no element {css}: {value}"
        return next(iter(value.values()))

    def type(self, css, text):
        """Fill a field the way typing ends: the value, then an `input` event (what the
        form binds to). Setting a value is idempotent, so a dropped call is retried."""
        found = self.js("""
const [css, text] = arguments;
const el = document.querySelector(css);
if (!el) return false;
el.focus();
el.value = text;
el.dispatchEvent(new Event('input', { bubbles: true }));
el.dispatchEvent(new Event('blur'));
return true;""", css, text)
        assert found, f"no element {css}"

    def click(self, css):
        """A real WebDriver click (pointer events at the element's centre)."""
        el = self.element(css)
        http("POST", f"{self.base}/element/{el}/click", {})

    def go(self, hash_):
        self.js("location.hash = arguments[0]", hash_)

    def shot(self, name):
        import base64
        time.sleep(0.5)  # let the last change paint
        png = base64.b64decode(self.read("GET", "/screenshot"))
        os.makedirs(SHOTS, exist_ok=True)
        with open(os.path.join(SHOTS, f"{name}.png"), "wb") as f:
            f.write(png)


def choose_in_file_dialog(path):
    """The native GTK file dialog the app's core opened ("Open File"): focus it, type
    `path` into its location field and press Enter, as a user would, through XTEST
    (libxdo). Enter is pressed again while the dialog stays open: the first one may come
    while GTK is still completing the typed path, and is then ignored."""
    def dialog():
        out = subprocess.run(["xwininfo", "-name", "Open File"], capture_output=True, text=True)
        m = re.search(r"Window id: (0x[0-9a-f]+)", out.stdout)
        return int(m.group(1), 16) if m and "IsViewable" in out.stdout else None

    window = wait_for("the file dialog", dialog, 30)
    xdo = ctypes.CDLL("libxdo.so.3")
    xdo.xdo_new.restype = ctypes.c_void_p
    handle = ctypes.c_void_p(xdo.xdo_new(None))
    current, delay_us, focus = ctypes.c_ulong(0), ctypes.c_uint(12000), ctypes.c_ulong(0)

    def focused():
        xdo.xdo_get_focused_window(handle, ctypes.byref(focus))
        return focus.value == window

    def accepted():
        if dialog() is None:
            return True
        # Keys go to the focused window: never to the app's page once the dialog is gone.
        if focused():
            xdo.xdo_send_keysequence_window(handle, current, b"Return", delay_us)
        return False

    try:
        xdo.xdo_focus_window(handle, ctypes.c_ulong(window))
        wait_for("the file dialog to have the keyboard", focused, 10)
        xdo.xdo_send_keysequence_window(handle, current, b"ctrl+l", delay_us)
        xdo.xdo_enter_text_window(handle, current, path.encode(), delay_us)
        wait_for("the file dialog to take the path", accepted, 30, every=1.0)
    finally:
        xdo.xdo_free(handle)


def notifications():
    try:
        with open(NOTIFY_LOG) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def keyring():
    return subprocess.run(["keyctl", "show", "@s"], capture_output=True, text=True).stdout


# keyring-rs names a kernel key "keyring-rs:<account>@<service>". The outbox keys
# ("outbox-key:<id>") stay after logout: the user's unsent complaints stay theirs.
SESSION_KEY = "keyring-rs:session@my.gov.aduan.desktop"


def tauri_signer(*args):
    """`tauri signer ...` (the npm cache is the one run.sh passed in: no download here)."""
    run = subprocess.run(["npx", "--yes", "@tauri-apps/cli@2", "signer", *args],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


NOTES_020 = "Versi 0.2.0: borang aduan lebih pantas.\nVersion 0.2.0: a faster intake form."


def publish(server, workdir, version, key, notes):
    """Sign a "newer" build with `key`, bound to `version`, and publish it on `server` with
    the server's own command. Its bytes are no real package: this copy of the app was
    not installed from one, so it only downloads and checks what it is offered."""
    bundle = os.path.join(workdir, f"aduan-desktop_{version}_amd64.deb")
    with open(bundle, "wb") as f:
        f.write(hashlib.sha256(version.encode()).digest() * 65536)  # 2 MiB
    tauri_signer("sign", "--private-key-path", key, "--password", "",
                 "--app-version", version, bundle)
    run = subprocess.run(
        [SERVER_BIN, "desktop", "publish", bundle, "--signature", bundle + ".sig",
         "--version", version, "--target", "linux-x86_64", "--notes", notes,
         "--data-dir", server.data_dir],
        capture_output=True, text=True, timeout=120, env={**os.environ, "RUST_LOG": "warn"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"published aduan-desktop_{version}_amd64.deb {version}" in run.stdout, run.stdout


# ---- the checks -------------------------------------------------------------------------

passed = 0


def check(name, f):
    global passed
    f()
    passed += 1
    print(f"ok   {name}", flush=True)


def first_start_and_sign_in(app, server):
    wait_for("the sign-in screen", lambda: app.exists("#username"), 60)
    # Switch to English on the sign-in card, as a user would.
    if app.text("#login-title") != "Sign in to Aduan":
        app.click(".card .lang button")
    wait_for("English labels", lambda: app.text("#login-title") == "Sign in to Aduan", 10)
    # The address IT set for this computer (managed_settings), not typed by the clerk.
    assert app.js("return document.querySelector('#server').value") == server.url
    assert app.js("return !document.querySelector('form details').open"), "Advanced is open"
    app.shot("login")
    app.type("#username", "intake")
    app.type("#password", server.passwords["intake"])
    app.click("form button.primary")
    wait_for("the intake form", lambda: app.exists("#description"), 30)
    wait_for("the session in the keyring", lambda: SESSION_KEY in keyring(), 10)


def submit_walk_in(app, description):
    app.type("#name", "Siti binti Ahmad")
    app.type("#description", description)
    app.type("#location", "Pejabat JPJ Shah Alam")
    app.shot("intake")
    app.click("form.intake button.primary")


def run(server, workdir):
    app = App()
    refs = {}

    check("first start offers the server IT set, signs in, keeps the session in the keyring",
          lambda: first_start_and_sign_in(app, server))

    def enriched_with_notification():
        submit_walk_in(app, "Pegawai JPJ di Shah Alam meminta wang tunai RM5,000 untuk "
                            "meluluskan lesen memandu saya. Kod ujian desktopsatu.")
        refs["first"] = wait_for("the acknowledgement slip",
                                 lambda: app.text("[data-testid=reference]"), 60)
        app.shot("slip")
        wait_for("a native notification naming the reference",
                 lambda: refs["first"] in notifications(), 60)
        assert "Complaint analysed" in notifications(), notifications()

    check("a walk-in complaint is submitted and its notification reaches the desktop",
          enriched_with_notification)

    def click_opens_complaint():
        subprocess.run(["dunstctl", "action", "0"], check=True)
        wait_for("the complaint opened by the notification",
                 lambda: app.js("return location.hash").startswith("#/complaints/")
                 and refs["first"] in (app.text("article.detail header") or ""), 20)
        wait_for("status enriched",
                 lambda: app.exists("article.detail header [data-status=enriched]"), 60)
        app.shot("complaint")

    check("clicking the notification opens that complaint, shown enriched",
          click_opens_complaint)

    def reopen_resumes():
        app.quit()
        nonlocal_app[0] = App()
        wait_for("the intake form without signing in",
                 lambda: nonlocal_app[0].exists("#description"), 60)

    nonlocal_app = [app]
    check("reopening the app resumes the session from the keyring", reopen_resumes)
    app = nonlocal_app[0]

    # ---- offline intake ------------------------------------------------------------------
    attachment = os.path.join(workdir, "resit.txt")
    with open(attachment, "w") as f:
        f.write("Resit bayaran RM 5,000 kepada pegawai. Kod ujian desktoptiga.\n")
    digest = hashlib.sha256(open(attachment, "rb").read()).hexdigest()

    def offline_submit():
        server.stop()
        submit_walk_in(app, "Kerani pejabat tanah meminta duit kopi RM300. Kod ujian desktopdua.")
        wait_for("the saved-on-this-computer notice",
                 lambda: app.exists(".intake .banner.ok"), 60)
        app.click(".intake button.primary")  # "New complaint"
        wait_for("an empty form", lambda: app.exists("#description"), 20)
        # A file chosen in the native dialog, which the core runs; the page gets a handle.
        app.type("#name", "Ahmad bin Ali")
        app.type("#description", "Resit rasuah dilampirkan. Kod ujian desktoptiga.")
        app.type("#location", "Pejabat Tanah Klang")
        app.click(".attachments > button")
        choose_in_file_dialog(attachment)
        wait_for("the chosen file listed", lambda: app.text(".attachments li .name") == "resit.txt", 20)
        listed = app.js("return JSON.stringify(document.querySelector('.attachments').textContent)")
        assert workdir not in listed, f"the page shows the file's path: {listed}"
        app.click("form.intake button.primary")
        wait_for("the second saved-on-this-computer notice",
                 lambda: app.exists(".intake .banner.ok"), 60)
        app.click(".intake button.primary")  # "New complaint": the form and the pending list
        wait_for("two complaints pending", lambda: "2" in (app.text(".outbox h2") or ""), 20)
        app.shot("outbox")

    check("with the server stopped, complaints (one with a file) are saved on this computer",
          offline_submit)

    def restart_then_send():
        app.quit()
        nonlocal_app[0] = App()
        a = nonlocal_app[0]
        wait_for("the pending list after a restart",
                 lambda: "2" in (a.text(".outbox h2") or ""), 60)
        server.start()
        wait_for("the outbox to empty once the server is back",
                 lambda: not a.exists(".outbox") and a.exists(".banner.ok"), 90)

    check("after an app restart and the server's return, the outbox is sent", restart_then_send)
    app = nonlocal_app[0]

    def exactly_once():
        admin = server.token("admin")
        for code in ("desktopdua", "desktoptiga"):
            status, page = http("GET", f"{server.url}/api/v1/complaints?q={code}", token=admin)
            assert status == 200, page
            assert len(page["items"]) == 1, f"{code}: {page['items']}"
        _, page = http("GET", f"{server.url}/api/v1/complaints?q=desktoptiga", token=admin)
        _, detail = http("GET", f"{server.url}/api/v1/complaints/{page['items'][0]['id']}",
                         token=admin)
        files = [(a["filename"], a["sha256"]) for a in detail["attachments"]]
        assert files == [("resit.txt", digest)], files

    check("each offline complaint exists exactly once, the file byte-exact", exactly_once)

    def page_cannot_reach_out():
        # A script in the page: the server directly (CSP: connect-src is the app only) …
        # (the server allows the app's origin by CORS, so only the CSP stops this).
        fetched = app.js_once("__fetch", """
const [url] = arguments;
const violated = new Promise((ok) => document.addEventListener(
  'securitypolicyviolation', (e) => ok(e.violatedDirective), { once: true }));
const outcome = await fetch(url + '/api/v1/me').then(() => 'reached', () => 'blocked');
return [outcome, await Promise.race([violated, new Promise((ok) => setTimeout(() => ok(null), 5000))])];""",
                             server.url)
        assert fetched[0] == "blocked" and fetched[1] == "connect-src", fetched
        # … or the core, with a file named by its path instead of a handle.
        out = app.js_once("__byPath", """
const [path] = arguments;
const ipc = window.__TAURI_INTERNALS__;
const channel = '__CHANNEL__:' + ipc.transformCallback(() => {});
return await ipc.invoke('intake_submit', {
  complaint: { channel: 'walk_in', anonymous: true, description: 'Kunci peribadi dicuri.' },
  files: [path], idempotencyKey: crypto.randomUUID(), onProgress: channel,
});""", attachment)
        assert out.get("error", {}).get("code") == "unknown_file", out
        # … or move the session to a server of its own.
        moved = app.js_once("__moveServer", """
return await window.__TAURI_INTERNALS__.invoke('session_login',
  { server: 'https://collector.example', username: 'x', password: 'y' });""")
        assert moved.get("error", {}).get("code") == "already_signed_in", moved

    check("a script in the page can neither reach the server itself, nor upload a file by "
          "path, nor move the session to another server",
          page_cannot_reach_out)

    # ---- updates from the server ---------------------------------------------------------
    def reopen():
        nonlocal_app[0].quit()
        nonlocal_app[0] = App()
        return nonlocal_app[0]

    def newer_build_offered():
        publish(server, workdir, "0.2.0", UPDATE_KEY, NOTES_020)
        a = reopen()  # the resumed session looks for updates
        wait_for("the update offer",
                 lambda: a.text("#update-title") == "Update available: 0.2.0", 60)
        assert a.text("[data-testid=update-notes]") == NOTES_020, a.text("[data-testid=update-notes]")
        assert "You have version 0.1.0" in a.text("[data-testid=update]")
        a.shot("update")

    check("a signed newer build published on the server is offered with its notes",
          newer_build_offered)

    def newer_build_verified():
        a = nonlocal_app[0]
        a.click("[data-testid=update-install]")
        wait_for("the download and signature check",
                 lambda: a.exists("[data-testid=update][data-phase=not_packaged]"), 120)
        said = a.text("[data-testid=update-result]")
        assert "downloaded and its signature checked" in said, said

    check("installing it downloads it and accepts its signature (this copy, not installed "
          "from a package, then says it cannot replace itself)", newer_build_verified)

    def wrong_signature_refused():
        other_key = os.path.join(workdir, "other.key")
        tauri_signer("generate", "--ci", "--password", "", "--write-keys", other_key, "--force")
        publish(server, workdir, "0.3.0", other_key, "Versi 0.3.0.\nVersion 0.3.0.")
        a = reopen()
        wait_for("the offer of the build signed with another key",
                 lambda: a.text("#update-title") == "Update available: 0.3.0", 60)
        a.click("[data-testid=update-install]")
        wait_for("the refusal",
                 lambda: a.exists("[data-testid=update][data-phase=refused]"), 120)
        said = a.text("[data-testid=update-result]")
        assert "was refused" in said and "Nothing was installed" in said, said
        a.shot("update-refused")

    check("a build whose signature does not match the app's key is refused, and the user told",
          wrong_signature_refused)
    app = nonlocal_app[0]

    def log_out(a):
        a.js("[...document.querySelectorAll('header button')]"
             ".find((b) => b.textContent.trim() === 'Log out').click()")
        wait_for("the sign-in screen", lambda: a.exists("#username"), 20)

    def logout_forgets():
        log_out(app)
        wait_for("the session gone from the keyring", lambda: SESSION_KEY not in keyring(), 10)
        app.quit()
        nonlocal_app[0] = App()
        wait_for("the sign-in screen after reopening",
                 lambda: nonlocal_app[0].exists("#username"), 60)

    check("logging out clears the session from the keyring; reopening asks to sign in",
          logout_forgets)

    def reporter_reply_notifies_officer():
        a = nonlocal_app[0]
        a.type("#username", "officer")
        a.type("#password", server.passwords["officer"])
        a.click("form button.primary")
        wait_for("the officer signed in, live", lambda: a.exists(".conn.live"), 30)
        sent = portal_report(server, "Pegawai majlis meminta RM800 untuk meluluskan permit "
                                     "gerai. Kod ujian desktopportal.")
        admin = server.token("admin")
        _, page = http("GET", f"{server.url}/api/v1/complaints?q=desktopportal", token=admin)
        complaint = next(c for c in page["items"] if c["reference"] == sent["reference"])
        _, officers = http("GET", f"{server.url}/api/v1/users/assignable", token=admin)
        me = next(u for u in officers if u["username"] == "officer")
        status, body = http("POST", f"{server.url}/api/v1/cases",
                            {"title": "Permit gerai", "complaint_ids": [complaint["id"]],
                             "assignee_id": me["id"]}, token=admin)
        assert status == 201, body
        status, session = http("POST", f"{server.public_url}/public/v1/session",
                               {"receipt": sent["receipt"]})
        assert status == 200, session
        status, body = http("POST", f"{server.public_url}/public/v1/report/messages",
                            {"text": "Wang itu diminta di kaunter pada 3 Disember.",
                             "pow": proof_of_work(server)}, token=session["token"])
        assert status == 201, body
        wait_for("the officer's notification of the reporter's reply",
                 lambda: "Reporter replied" in notifications()
                 and sent["reference"] in notifications(), 60)
        log_out(a)

    check("a reporter's reply through the portal reaches the assigned officer's desktop",
          reporter_reply_notifies_officer)

    def insecure_address_refused():
        a = nonlocal_app[0]
        a.js("document.querySelector('form details').open = true")
        a.type("#server", "http://10.11.12.13:8080")
        wait_for("the warning under the address",
                 lambda: "clear text" in (a.text("[data-testid=server-insecure]") or ""), 10)
        a.type("#username", "intake")
        a.type("#password", server.passwords["intake"])
        a.click("form button.primary")
        wait_for("the refusal", lambda: "clear text" in (a.text(".card .banner.error") or ""), 20)
        assert a.exists("#username"), "signed in over plain http to another computer"
        a.shot("login-insecure")

    check("plain http to another computer is refused at sign-in, and the screen says why",
          insecure_address_refused)

    def own_address_wins():
        # The same server by another name, entered under "Advanced".
        own = f"http://localhost:{server.port}"
        a = nonlocal_app[0]
        a.js("document.querySelector('form details').open = true")
        a.type("#server", own)
        a.type("#username", "intake")
        a.type("#password", server.passwords["intake"])
        a.click("form button.primary")
        wait_for("the intake form", lambda: a.exists("#description"), 30)
        log_out(a)
        a = reopen()
        wait_for("the sign-in screen", lambda: a.exists("#server"), 60)
        got = a.js("return document.querySelector('#server').value")
        assert got == own, f"the address entered was {own}, the sign-in screen shows {got}"
        assert a.js("return document.querySelector('form details').open")

    check("an address the user enters wins over the one IT set", own_address_wins)
    nonlocal_app[0].quit()

    check("the desktop crate's watcher and outbox tests pass against this server",
          lambda: crate_tests(server))


def crate_tests(server):
    """Run the crate's end-to-end test binaries (run.sh lists them in ADUAN_E2E_TESTS) with
    their ignored tests, against `server` and this session's dunst, one test at a time
    (the watcher tests read dunst's shared history)."""
    binaries = os.environ["ADUAN_E2E_TESTS"].split()
    assert binaries, "no test binaries given"
    env = {**os.environ,
           "ADUAN_E2E_SERVER": server.url,
           "ADUAN_E2E_USER": "intake", "ADUAN_E2E_PASSWORD": server.passwords["intake"],
           "ADUAN_E2E_OFFICER": "officer",
           "ADUAN_E2E_OFFICER_PASSWORD": server.passwords["officer"]}
    for binary in binaries:
        run = subprocess.run([binary, "--ignored", "--test-threads", "1"], env=env,
                             capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            print(run.stdout + run.stderr, flush=True)
        assert run.returncode == 0, f"{os.path.basename(binary)} failed"
        print("".join(f"     {line}\n" for line in run.stdout.splitlines()
                      if line.startswith("test ")), end="", flush=True)
        assert re.search(r"test result: ok\. [1-9]\d* passed", run.stdout), \
            f"{os.path.basename(binary)} ran no test"


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    workdir = tempfile.mkdtemp(prefix="aduan-desktop-e2e-")
    global WEBDRIVER
    port = free_port()
    WEBDRIVER = f"http://127.0.0.1:{port}"
    driver_log = open(os.path.join(workdir, "driver.log"), "wb")
    # The app lets WebDriver automate its webview only when told to, as tauri-driver does.
    driver = subprocess.Popen(["WebKitWebDriver", f"--port={port}", "--host=127.0.0.1"],
                              stdout=driver_log, stderr=driver_log,
                              env={**os.environ, "TAURI_WEBVIEW_AUTOMATION": "true"})
    server = Server(os.path.join(workdir, "server"), free_port())
    os.makedirs(server.data_dir)
    # What the package's install script writes to /etc/aduan/desktop.json when IT gives
    # ADUAN_SERVER_URL, here where the app's XDG_CONFIG_DIRS (run.sh) lead it.
    os.makedirs(os.path.join(MANAGED_DIR, "aduan"), exist_ok=True)
    with open(os.path.join(MANAGED_DIR, "aduan", "desktop.json"), "w") as f:
        json.dump({"server": server.url}, f)
    try:
        wait_for("WebKitWebDriver", lambda: http("GET", f"{WEBDRIVER}/status", timeout=2), 30)
        server.start()
        run(server, workdir)
        print(f"desktop e2e: {passed} passed")
    except Exception as e:
        import traceback
        traceback.print_exc(file=sys.stdout)
        print(f"FAIL {e}", flush=True)
        print(f"     (logs in {workdir})")
        sys.exit(1)
    finally:
        server.stop()
        driver.terminate()


if __name__ == "__main__":
    main()
