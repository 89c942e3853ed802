// Working together on one discovery (issue 10).
//
// While the tab is visible, polls GET <data-live-url>?since=<revision>&section=<id> every
// data-interval ms (on #ws-presence; 3 s by default), every 15 s while the tab is hidden, and
// backs off (doubling, up to a minute) after errors. The answer is small while nothing changed;
// otherwise it lists the answers changed since `since` (a cleared one has value null, version 0)
// with the server's visible questions and progress (the shape of an autosave's result) and
// this section's note. Each change to a question of this page goes through workspace.js's
// window.recommenderWorkspace.applyRemote(questionId, value, version, who, visible), which
// turns a change to a field with local edits into a conflict ("Keep mine" / "Reload");
// counts in the section menu follow the progress; the recommendation panel refreshes through
// the same `answers-saved` body event an autosave fires (detail = the poll's answer, with
// `remote: true`). The poll also says who else has the discovery open and where.
//
// Every question gets a "History" toggle that loads its changes (an HTML fragment the server
// escapes) from <data-history-url> (with __qid__ replaced by the question id).
(function () {
  "use strict";
  var box = document.getElementById("ws-presence");
  var root = document.getElementById("workspace");
  var form = document.getElementById("section-form");
  if (!box || !root || !form || !window.fetch) { return; }

  var liveUrl = box.getAttribute("data-live-url");
  var historyUrl = box.getAttribute("data-history-url") || "";
  var section = box.getAttribute("data-section") || "";
  var since = parseInt(root.getAttribute("data-revision") || "0", 10) || 0;
  var HIDDEN_MS = 15000;
  var MAX_MS = 60000;
  var failures = 0;
  var timer = null;
  var inflight = false;
  var stopped = false;
  var ownSaves = {};   // question id -> the latest revision an autosave of this tab made
  var shownPresence = null;

  function api() {
    var ws = window.recommenderWorkspace;
    return ws && typeof ws.applyRemote === "function" ? ws : null;
  }
  function isDirty(key) {
    var ws = window.recommenderWorkspace;
    return !!(ws && typeof ws.isDirty === "function" && ws.isDirty(key));
  }
  function wrapper(qid) {
    var found = null;
    form.querySelectorAll("[data-question]").forEach(function (w) {
      if (w.getAttribute("data-question") === qid) { found = w; }
    });
    return found;
  }
  function versionOf(w) { return parseInt(w.getAttribute("data-version") || "0", 10) || 0; }

  // ------------------------------------------------------------------ polling
  function interval() {
    var ms = parseInt(box.getAttribute("data-interval") || "", 10);
    return ms > 0 ? ms : 3000;
  }
  function nextDelay() {
    var ms = document.visibilityState === "hidden" ? Math.max(HIDDEN_MS, interval()) : interval();
    return failures ? Math.min(ms * Math.pow(2, failures), MAX_MS) : ms;
  }
  function schedule(ms) {
    window.clearTimeout(timer);
    if (!stopped) { timer = window.setTimeout(poll, ms); }
  }
  function stop(message) {
    stopped = true;
    window.clearTimeout(timer);
    shownPresence = null;
    box.textContent = message;
    box.hidden = false;
    box.setAttribute("data-state", "stopped");
  }

  function poll() {
    if (inflight || stopped) { return; }
    inflight = true;
    var url = liveUrl + "?since=" + encodeURIComponent(String(since)) +
      (section ? "&section=" + encodeURIComponent(section) : "");
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (resp) {
        if (resp.redirected || resp.status === 401 || resp.status === 403) {
          stop("Live updates stopped: your session has ended. Log in again, then reload.");
          return null;
        }
        if (resp.status === 404) {
          stop("Live updates stopped: this discovery is no longer there.");
          return null;
        }
        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
        return resp.json();
      })
      .then(function (data) {
        if (data) { failures = 0; apply(data); }
      })
      .catch(function () { failures += 1; })
      .then(function () {
        inflight = false;
        schedule(nextDelay());
      });
  }

  document.addEventListener("visibilitychange", function () {
    // Back on the tab: look at once rather than after the hidden tab's long pause.
    if (document.visibilityState === "visible" && !inflight) { schedule(0); }
  });

  // This tab's own saves come back in the poll as changes: remember their revisions so they
  // are left alone (applyRemote would also find them not newer than what the field has).
  document.body.addEventListener("answers-saved", function (ev) {
    var d = ev.detail;
    if (!d || d.remote || typeof d.question_id !== "string" || typeof d.revision !== "number") { return; }
    ownSaves[d.question_id] = Math.max(ownSaves[d.question_id] || 0, d.revision);
    refreshHistory(d.question_id);
  });

  // ------------------------------------------------------------------ applying changes
  function apply(data) {
    renderPresence(Array.isArray(data.presence) ? data.presence : []);
    if (typeof data.revision !== "number") { return; }
    if (!data.changed) {
      since = data.revision;
      return;
    }
    var entries = Array.isArray(data.answers) ? data.answers : [];
    var applied = false;
    entries.forEach(function (a) { if (applyAnswer(a, data.visible)) { applied = true; } });
    if (!applied) { applyVisibility(data.visible); }
    applyProgress(data.progress);
    applyNote(data.note);
    // Only now: had anything above failed, the next poll asks for the same changes again.
    since = data.revision;
    if (entries.length) {
      var detail = {};
      Object.keys(data).forEach(function (k) { detail[k] = data[k]; });
      detail.remote = true;
      document.body.dispatchEvent(new CustomEvent("answers-saved", { detail: detail }));
    }
  }

  // True when the change went to a field of this page through applyRemote (which leaves a
  // field with local edits as it is and shows a conflict instead, and waits for a save of
  // this tab still in flight).
  function applyAnswer(a, visible) {
    var qid = a && a.question_id;
    var w = typeof qid === "string" ? wrapper(qid) : null;
    if (!w) { return false; }  // another section's question: its count follows the progress
    if (a.mine && (ownSaves[qid] || -1) >= a.revision) { return false; }  // our own save
    // Answered and cleared again since the last look: this page's version 0 is still right.
    if (a.version === 0 && versionOf(w) === 0) { return false; }
    var ws = api();
    if (!ws) { notice(w, a); return false; }
    try {
      ws.applyRemote(qid, a.value, a.version, a.who, Array.isArray(visible) ? visible : undefined);
    } catch (err) {
      // One field that cannot take the value must not hold up the others: say so there.
      if (window.console) { window.console.error(err); }
      notice(w, a);
      return false;
    }
    refreshHistory(qid);
    return true;
  }

  // Without workspace.js's API (an old cached copy): say so at the field instead.
  function notice(w, a) {
    var errors = w.querySelector(".field-errors");
    if (!errors) { return; }
    errors.textContent = "";
    var li = document.createElement("li");
    li.textContent = (a.who || "Someone") + " changed this answer — reload to see it.";
    errors.appendChild(li);
    errors.hidden = false;
  }

  // Shown questions and the counts: workspace.js's own (one copy of each, so the jump box
  // and the page agree); nothing when an old cached workspace.js lacks them.
  function applyVisibility(visible) {
    var ws = window.recommenderWorkspace;
    if (ws && ws.applyVisibility) { ws.applyVisibility(visible); }
  }

  function applyProgress(progress) {
    var ws = window.recommenderWorkspace;
    if (ws && ws.applyProgress) { ws.applyProgress(progress); }
  }

  // ------------------------------------------------------------------ the section's note
  // Another SA's note replaces ours only when ours holds no edits: not focused, no pending
  // save, and the text is what the server last had. Otherwise the next save of these notes
  // meets the version check and says who changed them.
  var notesWrap = form.querySelector("[data-notes]");
  var notesArea = notesWrap ? notesWrap.querySelector("textarea") : null;
  var notesBase = notesArea ? notesArea.value : "";
  if (notesWrap && notesArea && window.MutationObserver) {
    // workspace.js sets the version after each save of the notes: the text then is stored.
    new MutationObserver(function () { notesBase = notesArea.value; })
      .observe(notesWrap, { attributes: true, attributeFilter: ["data-version"] });
  }

  function applyNote(note) {
    if (!note || !notesWrap || !notesArea || note.section_id !== section) { return; }
    if (note.version === versionOf(notesWrap)) { return; }
    var edited = isDirty("__notes") || document.activeElement === notesArea || notesArea.value !== notesBase;
    if (edited) { return; }
    notesArea.value = note.text || "";
    notesBase = notesArea.value;
    notesWrap.setAttribute("data-version", String(note.version));
    var hidden = notesWrap.querySelector("[data-version-input]");
    if (hidden) { hidden.value = String(note.version); }
    var include = notesWrap.querySelector("[data-notes-include]");
    if (include) { include.checked = !!note.include; }
    var status = notesWrap.querySelector("[data-field-status]");
    if (status) {
      status.setAttribute("data-state", "remote");
      status.textContent = "Changed by " + (note.who || "someone");
    }
    notesWrap.classList.add("ws-appeared");
    window.setTimeout(function () { notesWrap.classList.remove("ws-appeared"); }, 1500);
  }

  // ------------------------------------------------------------------ presence
  function renderPresence(list) {
    var key = JSON.stringify(list);
    if (key === shownPresence || stopped) { return; }
    shownPresence = key;
    box.textContent = "";
    box.hidden = list.length === 0;
    list.forEach(function (p) {
      var item = document.createElement("span");
      item.className = "ws-presence-item" + (p.section_id && p.section_id === section ? " here" : "");
      item.textContent = p.section_title
        ? (p.name || "Someone") + " is in " + p.section_title
        : (p.name || "Someone") + " has this discovery open";
      box.appendChild(item);
    });
  }

  // ------------------------------------------------------------------ history
  var histories = {};  // question id -> {button, panel}

  function labelOf(w) {
    var legend = w.querySelector("legend");
    var label = legend || w.querySelector("label");
    return label ? label.textContent.trim() : w.getAttribute("data-question");
  }

  function addHistory(w) {
    var qid = w.getAttribute("data-question");
    var status = w.querySelector("[data-field-status]");
    if (!qid || !status || !historyUrl) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link ws-history-toggle";
    button.textContent = "History";
    button.setAttribute("aria-label", "History of “" + labelOf(w) + "”");
    button.setAttribute("aria-expanded", "false");
    var panel = document.createElement("div");
    panel.className = "ws-history";
    panel.id = "history-" + qid;
    panel.hidden = true;
    button.setAttribute("aria-controls", panel.id);
    status.parentNode.insertBefore(button, status.nextSibling);
    w.appendChild(panel);
    histories[qid] = { button: button, panel: panel };
    button.addEventListener("click", function () {
      if (panel.hidden) { openHistory(qid); } else { closeHistory(qid, false); }
    });
    panel.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { ev.preventDefault(); closeHistory(qid, true); }
    });
    button.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && !panel.hidden) { ev.preventDefault(); closeHistory(qid, true); }
    });
  }

  function loadHistory(qid) {
    var h = histories[qid];
    h.panel.setAttribute("aria-busy", "true");
    return fetch(historyUrl.replace("__qid__", encodeURIComponent(qid)), {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" }
    }).then(function (resp) {
      if (!resp.ok || resp.redirected) { throw new Error("HTTP " + resp.status); }
      return resp.text();
    }).then(function (html) {
      // The server renders the fragment with every name and value escaped.
      h.panel.innerHTML = html;
    }).catch(function () {
      h.panel.textContent = "The history could not be loaded; try again.";
    }).then(function () { h.panel.removeAttribute("aria-busy"); });
  }

  function openHistory(qid) {
    var h = histories[qid];
    h.panel.hidden = false;
    h.button.setAttribute("aria-expanded", "true");
    h.panel.textContent = "Loading…";
    loadHistory(qid);
  }

  function closeHistory(qid, focusButton) {
    var h = histories[qid];
    h.panel.hidden = true;
    h.button.setAttribute("aria-expanded", "false");
    if (focusButton) { h.button.focus(); }
  }

  function refreshHistory(qid) {
    var h = histories[qid];
    if (h && !h.panel.hidden) { loadHistory(qid); }
  }

  form.querySelectorAll("[data-question]").forEach(addHistory);

  // Look at once: the others see this tab arrive, and it sees who is already here.
  schedule(0);
})();
