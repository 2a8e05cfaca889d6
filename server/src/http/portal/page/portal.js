// The reporter portal: report, receipt, sign-in with the receipt, status and thread.
// Plain JS, no framework, nothing fetched from anywhere but this server.
"use strict";
(function () {
  const EN = {
    title: "Aduan reporter portal",
    intro: "Report corruption safely. You may stay anonymous: you will get a 16-digit receipt to check the status and talk with the officer.",
    make: "Make a report", have: "I have a receipt", desc: "What happened? *", date: "Date of the incident",
    where: "Place", agency: "Agency involved", anon: "I want to stay anonymous",
    contact: "How to reach you (optional)", name: "Name", phone: "Phone", email: "E-mail",
    files: "Evidence files (optional)",
    meta: "Hidden information in photos and documents (GPS position, author's name) is removed before officers see them.",
    send: "Send report", saveh: "Save this receipt",
    save: "This receipt is the only way back to your report. It will not be shown again and we cannot recover it. Copy it, print it or write it down somewhere safe.",
    ref: "Reference", print: "Print", open: "Open my report", rcpt: "16-digit receipt", signin: "Sign in",
    yours: "Your report", state: "Status", thread: "Messages", reply: "Reply to the officer",
    sendr: "Send reply", yourfiles: "Your files", out: "Sign out",
    working: "Preparing (proof of work)…", sending: "Sending…", sent: "Sent.",
    none: "No messages yet. An officer will write here.", officer: "Officer", you: "You",
    received: "Received", under_evaluation: "Under evaluation", under_investigation: "Under investigation",
    referred: "Referred to another agency", closed: "Closed", cleaned: "hidden information removed",
    err: "Something went wrong. Please try again.", attached: "Files",
  };
  const MS = {
    working: "Sedang disediakan (bukti kerja)…", sending: "Sedang dihantar…", sent: "Dihantar.",
    none: "Belum ada mesej. Pegawai akan menulis di sini.", officer: "Pegawai", you: "Anda",
    received: "Diterima", under_evaluation: "Dalam penilaian", under_investigation: "Dalam siasatan",
    referred: "Dirujuk kepada agensi lain", closed: "Ditutup", cleaned: "maklumat tersembunyi dibuang",
    err: "Berlaku ralat. Sila cuba lagi.", attached: "Fail",
  };
  const original = {};
  let lang = "ms";
  let token = null;
  const $ = (id) => document.getElementById(id);

  function t(key) {
    if (lang === "en") return EN[key] || key;
    return MS[key] || original[key] || EN[key] || key;
  }

  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-t]").forEach((el) => {
      const key = el.dataset.t;
      if (!(key in original)) original[key] = el.textContent;
      el.textContent = lang === "en" ? EN[key] || original[key] : original[key];
    });
    $("lang").textContent = lang === "en" ? "Bahasa Melayu" : "English";
  }

  function show(id) {
    ["home", "report", "receipt", "signin", "view"].forEach((s) => { $(s).hidden = s !== id; });
    window.scrollTo(0, 0);
  }

  function say(el, text, error) {
    el.textContent = text;
    el.classList.toggle("error", !!error);
  }

  async function failure(r) {
    try {
      const body = await r.json();
      return body.message || t("err");
    } catch (_) {
      return t("err");
    }
  }

  // A challenge solved in a worker (the page stays responsive meanwhile).
  async function proofOfWork() {
    const r = await fetch("public/v1/challenge", { cache: "no-store" });
    if (!r.ok) throw new Error(await failure(r));
    const c = await r.json();
    const answer = await new Promise((resolve, reject) => {
      const w = new Worker("pow-worker.js");
      w.onmessage = (ev) => { w.terminate(); resolve(ev.data); };
      w.onerror = (ev) => { w.terminate(); reject(new Error(ev.message)); };
      w.postMessage({ prefix: c.prefix, difficulty: c.difficulty });
    });
    window.lastPow = { difficulty: c.difficulty, tries: answer.tries, ms: answer.ms };
    return { id: c.id, nonce: answer.nonce };
  }

  function addFiles(form, input) {
    for (const f of input.files) form.append("file", f, f.name);
  }

  function grouped(receipt) {
    return receipt.replace(/(\d{4})(?=\d)/g, "$1 ");
  }

  async function submitReport(ev) {
    ev.preventDefault();
    const status = $("report-status");
    const button = ev.submitter || $("report-form").querySelector("button");
    button.disabled = true;
    try {
      say(status, t("working"));
      const pow = await proofOfWork();
      say(status, t("sending"));
      const anonymous = $("anonymous").checked;
      const report = { description: $("description").value, anonymous };
      for (const k of ["incident_date", "location", "subject_agency"]) {
        if ($(k).value.trim()) report[k] = $(k).value.trim();
      }
      if (!anonymous) {
        const contact = {};
        for (const [k, id] of [["name", "c_name"], ["phone", "c_phone"], ["email", "c_email"]]) {
          if ($(id).value.trim()) contact[k] = $(id).value.trim();
        }
        report.contact = contact;
      }
      const form = new FormData();
      form.append("pow", JSON.stringify(pow));
      form.append("report", JSON.stringify(report));
      addFiles(form, $("files"));
      const r = await fetch("public/v1/reports", { method: "POST", body: form });
      if (r.status !== 201) throw new Error(await failure(r));
      const accepted = await r.json();
      $("report-form").reset();
      say(status, "");
      $("receipt-digits").textContent = grouped(accepted.receipt);
      $("receipt-ref").textContent = accepted.reference;
      $("receipt-input").value = grouped(accepted.receipt);
      show("receipt");
    } catch (e) {
      say(status, e.message, true);
    } finally {
      button.disabled = false;
    }
  }

  async function signIn(ev) {
    if (ev) ev.preventDefault();
    const status = $("signin-status");
    try {
      const r = await fetch("public/v1/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ receipt: $("receipt-input").value }),
      });
      if (!r.ok) throw new Error(await failure(r));
      token = (await r.json()).token;
      $("receipt-input").value = "";
      say(status, "");
      await loadView();
      show("view");
    } catch (e) {
      show("signin");
      say(status, e.message, true);
    }
  }

  async function loadView() {
    const r = await fetch("public/v1/report", { headers: { authorization: "Bearer " + token }, cache: "no-store" });
    if (r.status === 401) { token = null; show("signin"); return; }
    if (!r.ok) throw new Error(await failure(r));
    const v = await r.json();
    $("view-ref").textContent = v.reference;
    $("view-status").textContent = t(v.status);
    $("view-status").dataset.status = v.status;
    const thread = $("thread");
    thread.replaceChildren();
    if (v.messages.length === 0) {
      const li = document.createElement("li");
      li.textContent = t("none");
      thread.append(li);
    }
    for (const m of v.messages) {
      const li = document.createElement("li");
      li.className = m.from;
      const who = document.createElement("span");
      who.className = "who";
      const when = new Date(m.at).toLocaleString(lang === "en" ? "en-GB" : "ms-MY", { timeZone: "Asia/Kuala_Lumpur" });
      who.textContent = (m.from === "officer" ? t("officer") : t("you")) + " · " + when;
      li.append(who, document.createTextNode(m.text));
      if (m.files.length) li.append(document.createTextNode("\n" + t("attached") + ": " + m.files.join(", ")));
      thread.append(li);
    }
    const files = $("files-list");
    files.replaceChildren();
    for (const f of v.files) {
      const li = document.createElement("li");
      li.textContent = f.filename + (f.metadata_removed ? " (" + t("cleaned") + ")" : "");
      files.append(li);
    }
  }

  async function reply(ev) {
    ev.preventDefault();
    const status = $("reply-status");
    const button = ev.submitter || $("reply-form").querySelector("button");
    button.disabled = true;
    try {
      say(status, t("working"));
      const pow = await proofOfWork();
      say(status, t("sending"));
      const form = new FormData();
      form.append("pow", JSON.stringify(pow));
      form.append("message", JSON.stringify({ text: $("reply").value }));
      addFiles(form, $("reply-files"));
      const r = await fetch("public/v1/report/messages", {
        method: "POST", headers: { authorization: "Bearer " + token }, body: form,
      });
      if (r.status !== 201) throw new Error(await failure(r));
      $("reply-form").reset();
      say(status, t("sent"));
      await loadView();
    } catch (e) {
      say(status, e.message, true);
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    applyLang();
    $("lang").addEventListener("click", () => {
      lang = lang === "ms" ? "en" : "ms";
      applyLang();
      if (token && !$("view").hidden) loadView();
    });
    $("go-report").addEventListener("click", () => show("report"));
    $("go-signin").addEventListener("click", () => show("signin"));
    $("anonymous").addEventListener("change", () => { $("contact").hidden = $("anonymous").checked; });
    $("report-form").addEventListener("submit", submitReport);
    $("signin-form").addEventListener("submit", signIn);
    $("reply-form").addEventListener("submit", reply);
    $("print").addEventListener("click", () => window.print());
    $("go-status").addEventListener("click", () => signIn());
    $("signout").addEventListener("click", () => { token = null; show("home"); });
    window.portalSolve = proofOfWork;
  });
})();
