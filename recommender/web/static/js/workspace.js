// SA workspace: autosave each answer (debounced), show per-field and global save state,
// show/hide conditional questions from the server's `visible` list, keyboard flow (Enter
// moves on), country lists (countries.js), Ctrl/Cmd-K "jump to a question", and a warning
// before leaving with unsaved changes. Without JavaScript the section form posts and is
// saved as a whole.
//
// API for live updates from another SA (together.js polls and calls it):
//   window.recommenderWorkspace = {
//     applyVisibility(visible), applyProgress(progress)
//         The server's list of visible question ids / progress counts (as an autosave's
//         answer carries them) applied to this page: shown and hidden questions, the bar and
//         the section counts.
//     applyRemote(questionId, value, version, who, visible?)
//         Shows another SA's saved answer: `value` as stored (a list for multi and country
//         lists, true/false, a number, a string; null = cleared, with version 0), `version`
//         the answer's new version, `who` their name, `visible` (optional) the server's list of
//         visible question ids. Sets the control(s), re-renders country chips, sets the version,
//         re-applies visibility and highlights the field with "Changed by <who>" (announced
//         politely). A field with local edits (unsaved, pending, in flight, refused, failed, in
//         conflict, or focused with typed text) is not overwritten: it becomes a conflict like
//         a 409 ("Keep mine" saves over the new version, "Reload" shows theirs). A save in
//         flight is waited for first. Returns "applied", "conflict", "stale" (not newer than
//         what the page has), "same", "deferred" (after the save in flight) or "absent" (not a
//         question of this page; visibility is still applied).
//     isDirty(questionId)   true while the field holds local edits ("__notes": the notes)
//     currentSection        this page's section id
//   }
(function () {
  "use strict";
  var root = document.getElementById("workspace");
  var form = document.getElementById("section-form");
  if (!root || !form) { return; }

  var DEBOUNCE_MS = 600;
  var FOCUS_KEY = "recommender-ws-focus-first";
  var token = window.recommenderCsrfToken || "";
  var autosaveUrl = root.getAttribute("data-autosave-url");
  var notesUrl = root.getAttribute("data-notes-url");
  var statusEl = document.getElementById("save-status");
  var saves = {};          // key -> {timer, inflight, again, dirty, state, message}
  var baseline = {};       // key -> JSON of the value last loaded or saved (typed-text check)
  var everSaved = false;

  var LABELS = {
    pending: "Unsaved…", saving: "Saving…", saved: "Saved",
    failed: "Failed — retry", conflict: "Conflict", invalid: "Not saved"
  };

  function wrappers() { return Array.prototype.slice.call(form.querySelectorAll("[data-question], [data-notes]")); }
  function wrapperOf(el) { return el && el.closest ? el.closest("[data-question], [data-notes]") : null; }
  function keyOf(w) { return w.hasAttribute("data-notes") ? "__notes" : w.getAttribute("data-question"); }
  function isNotes(w) { return w.hasAttribute("data-notes"); }
  function wrapperByKey(key) {
    var found = null;
    wrappers().forEach(function (w) { if (keyOf(w) === key) { found = w; } });
    return found;
  }
  function entry(key) {
    if (!saves[key]) { saves[key] = { timer: null, inflight: null, again: false, dirty: false, state: "idle", message: "" }; }
    return saves[key];
  }

  // ------------------------------------------------------------------ values
  function valueOf(w) {
    var type = w.getAttribute("data-type");
    if (isNotes(w)) { return w.querySelector("textarea").value; }
    if (type === "multi") {
      return Array.prototype.map.call(w.querySelectorAll("input[type=checkbox]:checked"), function (i) { return i.value; });
    }
    if (type === "country_list") {
      var sel = w.querySelector("select");
      return Array.prototype.filter.call(sel.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
    }
    var radios = w.querySelectorAll("input[type=radio]");
    if (radios.length) {
      var checked = w.querySelector("input[type=radio]:checked");
      return checked ? checked.value : "";
    }
    var control = w.querySelector("select, textarea, input:not([type=hidden]):not([data-ws-ignore])");
    return control ? control.value : "";
  }

  function versionOf(w) { return parseInt(w.getAttribute("data-version") || "0", 10) || 0; }
  function setVersion(w, version) {
    w.setAttribute("data-version", String(version));
    var hidden = w.querySelector("[data-version-input]");
    if (hidden) { hidden.value = String(version); }
  }

  // ------------------------------------------------------------------ state display
  function setFieldState(w, state, message) {
    var e = entry(keyOf(w));
    e.state = state;
    e.message = message || "";
    var el = w.querySelector("[data-field-status]");
    if (el) {
      el.setAttribute("data-state", state);
      el.textContent = state === "idle" ? "" : (state === "failed" ? "Failed" : (state === "remote" ? message : LABELS[state]));
      if (state === "failed") {
        var retry = document.createElement("button");
        retry.type = "button";
        retry.textContent = "Retry";
        retry.addEventListener("click", function () { save(w); });
        el.appendChild(retry);
      }
    }
    var errors = w.querySelector(".field-errors");
    var showError = (state === "invalid" || state === "conflict" || state === "failed") && message;
    if (errors) {
      errors.textContent = "";
      if (showError) {
        var li = document.createElement("li");
        li.textContent = message;
        if (state === "conflict") {
          li.appendChild(document.createTextNode(" "));
          var a = document.createElement("a");
          a.href = window.location.pathname;
          a.textContent = "Reload";
          li.appendChild(a);
          var ce = entry(keyOf(w));
          if (ce.conflictVersion !== undefined) {
            // Keep what this SA typed: save it over the other change, knowingly.
            li.appendChild(document.createTextNode(" "));
            var keep = document.createElement("button");
            keep.type = "button";
            keep.className = "link";
            keep.textContent = "Keep mine";
            // Pressing it must not blur the field first (a blur saves the stale version again).
            keep.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
            keep.addEventListener("click", function () {
              var go = function () {
                if (ce.conflictVersion === undefined) { return; }
                setVersion(w, ce.conflictVersion);
                ce.conflictVersion = undefined;
                save(w);
              };
              if (ce.inflight) { ce.inflight.then(go, go); } else { go(); }
            });
            li.appendChild(keep);
          }
        }
        errors.appendChild(li);
      }
      errors.hidden = !showError;
    }
    w.classList.toggle("has-error", !!showError);
    var errorId = errors ? errors.id : "";
    w.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (c) {
      if (showError) { c.setAttribute("aria-invalid", "true"); } else { c.removeAttribute("aria-invalid"); }
      // The message is read with the field: its id joins (or leaves) aria-describedby.
      var ids = (c.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) { return id && id !== errorId; });
      if (showError && errorId) { ids.push(errorId); }
      if (ids.length) { c.setAttribute("aria-describedby", ids.join(" ")); } else { c.removeAttribute("aria-describedby"); }
    });
    updateGlobal();
  }

  function countStates() {
    var counts = { pending: 0, saving: 0, saved: 0, failed: 0, conflict: 0, invalid: 0, idle: 0 };
    Object.keys(saves).forEach(function (k) { counts[saves[k].state] = (counts[saves[k].state] || 0) + 1; });
    return counts;
  }

  function updateGlobal() {
    if (!statusEl) { return; }
    var c = countStates();
    var state = "idle";
    var text = "";
    if (c.conflict) { state = "conflict"; text = "Conflict — someone else changed an answer; reload to see it"; }
    else if (c.failed) { state = "failed"; text = "Failed — retry"; }
    else if (c.saving || c.pending) { state = "saving"; text = "Saving…"; }
    else if (c.invalid) { state = "invalid"; text = "Not saved — check the highlighted answer"; }
    else if (everSaved) { state = "saved"; text = "Saved"; }
    statusEl.setAttribute("data-state", state);
    statusEl.textContent = text;
    if (state === "failed") {
      var retry = document.createElement("button");
      retry.type = "button";
      retry.className = "link";
      retry.textContent = "Retry now";
      retry.addEventListener("click", retryFailed);
      statusEl.appendChild(document.createTextNode(" "));
      statusEl.appendChild(retry);
    }
  }

  function retryFailed() {
    window.clearTimeout(autoRetry.timer);
    autoRetry.timer = null;
    wrappers().forEach(function (w) { if (entry(keyOf(w)).state === "failed") { save(w); } });
  }

  // Failed saves are retried in the background: after 3 s, then 6, 12, … at most 60 s apart,
  // until one succeeds (a success resets the pause).
  var autoRetry = { timer: null, delay: 3000 };
  function scheduleAutoRetry() {
    if (autoRetry.timer) { return; }
    autoRetry.timer = window.setTimeout(function () {
      autoRetry.timer = null;
      autoRetry.delay = Math.min(autoRetry.delay * 2, 60000);
      retryFailed();
    }, autoRetry.delay);
  }

  // ------------------------------------------------------------------ visibility + progress
  // The server's latest list of visible questions (every section), for the jump box.
  var latestVisible = null;
  function applyVisibility(visible) {
    if (!Array.isArray(visible)) { return; }
    var set = {};
    visible.forEach(function (id) { set[id] = true; });
    latestVisible = set;
    form.querySelectorAll("[data-question]").forEach(function (w) {
      var show = !!set[w.getAttribute("data-question")];
      if (show && w.hidden) {
        w.hidden = false;
        w.classList.add("ws-appeared");
        window.setTimeout(function () { w.classList.remove("ws-appeared"); }, 1500);
      } else if (!show && !w.hidden) {
        w.hidden = true;
      }
    });
  }

  function applyProgress(progress) {
    if (!progress) { return; }
    var overall = document.getElementById("overall-progress");
    if (overall) {
      var bar = overall.querySelector("progress");
      if (bar) { bar.max = progress.visible || 1; bar.value = progress.answered; }
      var text = overall.querySelector("[data-progress-text]");
      if (text) { text.textContent = progress.answered + " of " + progress.visible + " answered"; }
    }
    var sections = progress.sections || {};
    document.querySelectorAll("[data-section-count]").forEach(function (el) {
      var s = sections[el.getAttribute("data-section-count")];
      if (!s) { return; }
      el.textContent = s.answered + "/" + s.visible;
      el.setAttribute("aria-label", s.answered + " of " + s.visible + " answered");
      el.classList.toggle("done", s.visible > 0 && s.answered === s.visible);
    });
  }

  // ------------------------------------------------------------------ saving
  function schedule(w, delay) {
    var e = entry(keyOf(w));
    e.dirty = true;
    window.clearTimeout(e.timer);
    e.timer = window.setTimeout(function () { save(w); }, delay === undefined ? DEBOUNCE_MS : delay);
    if (!e.inflight) { setFieldState(w, "pending"); }
  }

  function save(w) {
    var key = keyOf(w);
    var e = entry(key);
    window.clearTimeout(e.timer);
    e.timer = null;
    if (e.inflight) { e.again = true; return e.inflight; }
    e.dirty = false;
    var notes = isNotes(w);
    var include = notes ? w.querySelector("[data-notes-include]") : null;
    var body = notes
      ? { text: valueOf(w), version: versionOf(w), include: include ? include.checked : undefined }
      : { question_id: key, value: valueOf(w), version: versionOf(w) };
    // The recommendation panel on show: the answer brings the refreshed panel back with it
    // (panel.js swaps it in), saying what the panel showed so the server can tell what changed.
    var shownPanel = notes ? null : document.querySelector("#recommendation-panel .rec-panel[data-products]");
    if (shownPanel) {
      body.panel = {
        prev_products: shownPanel.getAttribute("data-products") || "",
        prev_risks: shownPanel.getAttribute("data-risks") || ""
      };
    }
    setFieldState(w, "saving");
    var payload = JSON.stringify(body);
    e.inflight = fetch(notes ? notesUrl : autosaveUrl, {
      method: "POST",
      credentials: "same-origin",
      // keepalive (the save survives closing the tab) is refused by browsers above 64 KB:
      // a bigger body is sent normally, so the server's "too large" reaches the field.
      keepalive: new Blob([payload]).size < 60000,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: payload
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) { return { resp: resp, data: data }; });
    }).then(function (r) {
      var data = r.data || {};
      if (r.resp.ok) {
        everSaved = true;
        e.tokenRetried = false;
        autoRetry.delay = 3000;
        setVersion(w, data.version);
        if (!e.dirty) { baseline[key] = JSON.stringify(notes ? body.text : body.value); }
        if (data.revision !== undefined) { root.setAttribute("data-revision", String(data.revision)); }
        setFieldState(w, e.dirty ? "pending" : "saved");
        if (!notes) { applyVisibility(data.visible); applyProgress(data.progress); document.body.dispatchEvent(new CustomEvent("answers-saved", { detail: data })); }
      } else if (r.resp.status === 409) {
        e.conflictVersion = typeof data.current_version === "number" ? data.current_version : undefined;
        setFieldState(w, "conflict", data.error || "Someone else changed this answer — reload to see it.");
      } else if ((r.resp.status === 400 || r.resp.status === 422) && data.errors && data.errors[notes ? "notes" : key]) {
        setFieldState(w, "invalid", data.errors[notes ? "notes" : key]);
      } else if (r.resp.status === 413) {
        setFieldState(w, "invalid", data.error || "This text is too long to save; shorten it.");
      } else if (r.resp.status === 400 && !e.tokenRetried) {
        // A 400 about the request, not the value: the CSRF token no longer matches the
        // session. Fetch a fresh one and save again; no token means the session is gone.
        e.tokenRetried = true;
        e.dirty = true;
        return refreshToken().then(function (ok) {
          if (ok) { e.again = true; } else { sessionEnded(w, e); }
        });
      } else if (r.resp.status === 400 || r.resp.status === 401 || r.resp.status === 403 || r.resp.redirected) {
        sessionEnded(w, e);
      } else {
        e.dirty = true;
        setFieldState(w, "failed", data.error || "The server did not save this answer.");
        scheduleAutoRetry();
      }
    }, function () {
      e.dirty = true;
      setFieldState(w, "failed", "No connection to the server — your answer is kept here; retrying by itself, or press Retry.");
      scheduleAutoRetry();
    }).then(function () {
      e.inflight = null;
      if (e.again) { e.again = false; return save(w); }
      return undefined;
    });
    return e.inflight;
  }

  function sessionEnded(w, e) {
    e.dirty = true;
    e.tokenRetried = false;  // a manual retry fetches a fresh token again
    setFieldState(w, "failed", "Your session has ended — your answer is kept here; log in again in another tab, then retry.");
  }

  // The current page's CSRF token (resolves false when the session is gone: login redirect).
  function refreshToken() {
    return fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (resp) {
      if (!resp.ok || resp.redirected) { return false; }
      return resp.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var meta = doc.querySelector('meta[name="csrf-token"]');
        var fresh = meta && meta.getAttribute("content");
        if (!fresh) { return false; }
        token = fresh;
        window.recommenderCsrfToken = fresh;
        document.querySelectorAll('meta[name="csrf-token"]').forEach(function (m) { m.setAttribute("content", fresh); });
        document.querySelectorAll('input[name="csrf_token"]').forEach(function (i) { i.value = fresh; });
        return true;
      });
    }).catch(function () { return false; });
  }

  function hasUnsaved() {
    return Object.keys(saves).some(function (k) {
      var e = saves[k];
      return e.timer || e.inflight || e.state === "pending" || e.state === "saving" || e.state === "failed";
    });
  }

  // Saves everything pending now; resolves true when nothing is left unsaved.
  function flushAll() {
    var promises = [];
    // Text typed in a country box but not added: added when it names a country (as Enter
    // would: the first match), otherwise flagged at the field, which keeps the page.
    Object.keys(countryBoxes).forEach(function (key) {
      var box = countryBoxes[key];
      if (box && box.typed()) { box.commitTyped(false); }
    });
    wrappers().forEach(function (w) {
      var e = entry(keyOf(w));
      if (e.timer || (e.dirty && e.state !== "invalid" && e.state !== "conflict")) { promises.push(save(w)); }
      else if (e.inflight) { promises.push(e.inflight); }
    });
    return Promise.all(promises).then(function () {
      var c = countStates();
      return !(c.failed || c.pending || c.saving || c.invalid || c.conflict);
    });
  }

  // `focusFirst`: the next page puts the cursor in its first question (keyboard flow).
  function leaveTo(url, focusFirst) {
    flushAll().then(function (ok) {
      if (ok || window.confirm("Some answers on this section are not saved (see the messages). Leave anyway?")) {
        window.removeEventListener("beforeunload", onBeforeUnload);
        if (focusFirst) {
          try { window.sessionStorage.setItem(FOCUS_KEY, new URL(url, window.location.href).pathname); } catch (err) { /* storage off */ }
        }
        window.location.href = url;
      } else {
        focusFirstProblem();
      }
    });
  }

  function focusFirstProblem() {
    var bad = form.querySelector(".has-error input:not([type=hidden]), .has-error select, .has-error textarea");
    if (bad) { bad.focus(); }
  }

  // ------------------------------------------------------------------ events
  function isTypingControl(el) {
    return el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && (el.type === "text" || el.type === "email" || el.type === "search"));
  }

  form.addEventListener("input", function (ev) {
    var t = ev.target;
    if (t.hasAttribute("data-ws-ignore") || !isTypingControl(t)) { return; }
    var w = wrapperOf(t);
    if (w) { schedule(w); }
  });
  form.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.hasAttribute("data-ws-ignore")) { return; }
    var w = wrapperOf(t);
    if (!w) { return; }
    // Typed text is saved on blur at once; choices after the usual short pause.
    schedule(w, isTypingControl(t) ? 0 : DEBOUNCE_MS);
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var target = ev.submitter && ev.submitter.getAttribute("data-target");
    var next = document.getElementById("next-button");
    if (!target && ev.submitter && ev.submitter.value === "next" && next) { target = next.getAttribute("data-target"); }
    if (target) { leaveTo(target, true); } else { flushAll(); }
  });

  document.querySelectorAll("a[href]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) { return; }
      if (!hasUnsaved()) { return; }
      ev.preventDefault();
      leaveTo(a.href);
    });
  });

  // The recommendation panel is loaded (and replaced) after this script ran, so its links
  // and its "Create readout" form are handled by delegation: pending answers are saved before
  // leaving, so the report has them and the browser never asks "Leave site?".
  var panelEl = document.getElementById("recommendation-panel");
  if (panelEl) {
    panelEl.addEventListener("click", function (ev) {
      var a = ev.target.closest ? ev.target.closest("a[href]") : null;
      if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) { return; }
      if (a.pathname === window.location.pathname || !hasUnsaved()) { return; }
      ev.preventDefault();
      leaveTo(a.href);
    });
    panelEl.addEventListener("submit", function (ev) {
      var target = ev.target;
      if (!hasUnsaved()) { return; }
      ev.preventDefault();
      flushAll().then(function (ok) {
        if (ok || window.confirm("Some answers on this section are not saved (see the messages). Continue anyway?")) {
          window.removeEventListener("beforeunload", onBeforeUnload);
          // The save's answer may have replaced the panel (and this form) meanwhile.
          var form = target.isConnected ? target
            : panelEl.querySelector("form[action=\"" + target.getAttribute("action") + "\"]");
          (form || target).submit();
        } else {
          focusFirstProblem();
        }
      });
    });
  }

  // Also what the server refused or a colleague's change blocked: leaving loses it too.
  function hasUnsettled() {
    if (hasUnsaved()) { return true; }
    if (Object.keys(countryBoxes).some(function (k) { return countryBoxes[k] && countryBoxes[k].typed(); })) { return true; }
    return Object.keys(saves).some(function (k) {
      return saves[k].state === "conflict" || (saves[k].state === "invalid" && saves[k].dirty);
    });
  }
  function onBeforeUnload(ev) {
    if (hasUnsettled()) {
      flushAll();
      ev.preventDefault();
      ev.returnValue = "";
      return "";
    }
    return undefined;
  }
  window.addEventListener("beforeunload", onBeforeUnload);
  // Back online after a drop: save what failed without waiting for the SA to press Retry.
  window.addEventListener("online", retryFailed);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flushAll(); }
  });

  // Enter in a single-line input moves to the next visible field (or the next section).
  function focusTarget(w) {
    if (isNotes(w)) { return w.querySelector("textarea"); }
    return w.querySelector("input[type=radio]:checked") ||
      w.querySelector("input:not([type=hidden]):not([hidden]), select:not([hidden]), textarea");
  }
  function moveOn(fromWrapper) {
    var list = wrappers().filter(function (w) { return !w.hidden; });
    var i = list.indexOf(fromWrapper);
    for (var j = i + 1; j < list.length; j++) {
      var el = focusTarget(list[j]);
      if (el) { el.focus(); return; }
    }
    var next = document.getElementById("next-button");
    if (next) { leaveTo(next.getAttribute("data-target"), true); } else { flushAll(); }
  }
  form.addEventListener("keydown", function (ev) {
    // Taken already (a country box added what was typed, and keeps the cursor).
    if (ev.defaultPrevented) { return; }
    if (ev.key !== "Enter" || ev.shiftKey || ev.altKey || ev.ctrlKey || ev.metaKey || ev.isComposing) { return; }
    var t = ev.target;
    var isSelect = t.tagName === "SELECT" && !t.multiple;  // a closed drop-down (an open one keeps its keys)
    if (!isSelect && (t.tagName !== "INPUT" || t.type === "submit" || t.type === "button" || t.type === "hidden")) { return; }
    var w = wrapperOf(t);
    if (!w) { return; }
    ev.preventDefault();
    var e = entry(keyOf(w));
    // The save's answer says which questions show now: an answer that reveals a question
    // moves the cursor to it, not past it.
    var pending = e.timer ? save(w) : e.inflight;
    if (pending && pending.then) {
      var done = false;
      var go = function () { if (!done) { done = true; moveOn(w); } };
      pending.then(go, go);
      window.setTimeout(go, 1500);  // a slow server never holds the cursor for long
    } else {
      moveOn(w);
    }
  });

  // ------------------------------------------------------------------ country lists
  // Chips + type-ahead from countries.js (shared with /start). Enter adds and keeps the cursor
  // in the box; the form's Enter handler above only moves on from an empty box.
  var countryBoxes = {};   // question id -> the box (applyRemote re-renders its chips)
  function enhanceCountryList(w) {
    var select = w.querySelector("select[multiple]");
    if (!select || !window.recommenderCountryBox) { return; }
    var qid = w.getAttribute("data-question");
    // A message about the text in the box (not about the saved answer): it goes away as
    // soon as that text changes, restoring the field's save state.
    var typedError = false;
    var stateBeforeError = "idle";
    var box = window.recommenderCountryBox(select, {
      inputId: qid + "-search",
      label: w.querySelector("label[for='" + qid + "']"),
      chipsClass: "ws-chips",
      chipsLabel: "Selected countries",
      statusClass: "visually-hidden",
      inputAttributes: { "data-ws-ignore": "", "data-typeahead-input": "" },
      onChange: function () { schedule(w); },
      onFlag: function (message) {
        var e = entry(qid);
        if (!typedError) { stateBeforeError = e.state === "invalid" ? "idle" : e.state; }
        typedError = true;
        setFieldState(w, "invalid", message);
      },
      onUnflag: function () {
        if (!typedError) { return; }
        typedError = false;
        var e = entry(qid);
        setFieldState(w, e.inflight ? "saving" : (e.timer ? "pending" : stateBeforeError));
      }
    });
    select.setAttribute("data-ws-ignore", "");
    countryBoxes[qid] = box;
  }
  form.querySelectorAll("[data-type=country_list]").forEach(enhanceCountryList);

  // ------------------------------------------------------------------ announcements
  var announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.id = "ws-announce";
  announcer.setAttribute("role", "status");
  announcer.setAttribute("aria-live", "polite");
  root.appendChild(announcer);
  function announce(text) {
    // Cleared first so the same words twice are read twice.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }
  function labelOf(w) {
    if (isNotes(w)) { return "Notes for this section"; }
    var el = w.querySelector("legend") || w.querySelector("label");
    return el ? el.textContent.trim() : keyOf(w);
  }

  // ------------------------------------------------------------------ changes by another SA
  wrappers().forEach(function (w) { baseline[keyOf(w)] = JSON.stringify(valueOf(w)); });

  function isDirty(key) {
    var e = saves[key];
    if (e && (e.timer || e.inflight || e.dirty ||
        ["pending", "saving", "failed", "invalid", "conflict"].indexOf(e.state) >= 0)) { return true; }
    var w = wrapperByKey(key);
    if (!w) { return false; }
    var box = countryBoxes[key];
    if (box && box.typed()) { return true; }  // typed in the box, not added yet
    var active = document.activeElement;
    return !!(active && w.contains(active) && isTypingControl(active) &&
      JSON.stringify(valueOf(w)) !== baseline[key]);
  }

  function asText(v) {
    if (v === null || v === undefined) { return ""; }
    if (typeof v === "boolean") { return v ? "true" : "false"; }
    return String(v);
  }
  function asList(v) {
    if (v === null || v === undefined || v === "") { return []; }
    return (Array.isArray(v) ? v : [v]).map(asText);
  }

  // Puts a stored value into the question's control(s).
  function setValue(w, value) {
    var type = w.getAttribute("data-type");
    var qid = keyOf(w);
    if (type === "country_list") {
      var codes = asList(value);
      if (countryBoxes[qid]) { countryBoxes[qid].setValues(codes); return; }
      var sel = w.querySelector("select");
      Array.prototype.forEach.call(sel.options, function (o) { o.selected = codes.indexOf(o.value) >= 0; });
      return;
    }
    if (type === "multi") {
      var list = asList(value);
      w.querySelectorAll("input[type=checkbox]").forEach(function (c) { c.checked = list.indexOf(c.value) >= 0; });
      return;
    }
    var text = asText(value);
    var radios = w.querySelectorAll("input[type=radio]");
    if (radios.length) {
      radios.forEach(function (r) { r.checked = r.value === text; });
      return;
    }
    var control = w.querySelector("select, textarea, input:not([type=hidden]):not([data-ws-ignore])");
    if (control) { control.value = text; }
  }

  // How a value reads to the SA (option labels, country names).
  function describe(w, value) {
    var names = [];
    var type = w.getAttribute("data-type");
    var values = (type === "multi" || type === "country_list") ? asList(value) : (asText(value) ? [asText(value)] : []);
    values.forEach(function (v) {
      var name = v;
      var option = Array.prototype.filter.call(w.querySelectorAll("select option"), function (o) { return o.value === v; })[0];
      var input = Array.prototype.filter.call(w.querySelectorAll("input[type=radio], input[type=checkbox]"), function (i) { return i.value === v; })[0];
      var label = input && input.closest("label");
      if (option) { name = option.text; } else if (label) { name = label.textContent.trim(); }
      names.push(name);
    });
    return names.join(", ");
  }

  function showRemote(w, who) {
    var key = keyOf(w);
    var text = "Changed by " + (who || "someone");
    setFieldState(w, "remote", text);
    w.classList.remove("ws-remote");
    void w.offsetWidth;  // restart the highlight when the same field changes again
    w.classList.add("ws-remote");
    announce("“" + labelOf(w) + "” " + text.charAt(0).toLowerCase() + text.slice(1));
    window.clearTimeout(entry(key).remoteTimer);
    entry(key).remoteTimer = window.setTimeout(function () {
      w.classList.remove("ws-remote");
      if (entry(key).state === "remote") { setFieldState(w, "idle"); }
    }, 6000);
  }

  function applyRemote(questionId, value, version, who, visible) {
    var args = arguments;
    var w = wrapperByKey(questionId);
    if (!w || isNotes(w)) { applyVisibility(visible); return "absent"; }
    var e = entry(questionId);
    if (e.inflight) {
      // Our own save decides first: it may be the newer one, or meet this change as a 409.
      var again = function () { applyRemote.apply(null, args); };
      e.inflight.then(again, again);
      return "deferred";
    }
    version = parseInt(version, 10) || 0;
    var local = versionOf(w);
    // Versions grow with each save; a cleared answer starts again at 0.
    if (version !== 0 && version <= local && e.state !== "conflict") {
      applyVisibility(visible);
      return version === local && JSON.stringify(asList(value)) === JSON.stringify(asList(valueOf(w))) ? "same" : "stale";
    }
    if (version === 0 && local === 0 && !isDirty(questionId)) { applyVisibility(visible); return "same"; }
    if (isDirty(questionId)) {
      // Keep what this SA typed: the same choice as a 409 gives ("Keep mine" / "Reload").
      window.clearTimeout(e.timer);
      e.timer = null;
      e.dirty = true;
      if (!(e.state === "conflict" && version !== 0 && (e.conflictVersion || 0) > version)) { e.conflictVersion = version; }
      var shown = describe(w, value);
      setFieldState(w, "conflict", (who || "Someone") + (shown ? " changed this answer to “" + shown + "”" : " cleared this answer") +
        " — keep yours or reload to see theirs.");
      announce("“" + labelOf(w) + "” was changed by " + (who || "someone") + " while you were editing it");
      applyVisibility(visible);
      return "conflict";
    }
    setValue(w, value);
    setVersion(w, version);
    baseline[questionId] = JSON.stringify(valueOf(w));
    e.conflictVersion = undefined;
    applyVisibility(visible);
    showRemote(w, who);
    return "applied";
  }

  window.recommenderWorkspace = {
    applyRemote: applyRemote,
    isDirty: isDirty,
    applyVisibility: applyVisibility,
    applyProgress: applyProgress,
    currentSection: root.getAttribute("data-section-id") || ""
  };

  // ------------------------------------------------------------------ jump to a question
  // Ctrl-K (Cmd-K on a Mac) opens a box that finds any question of the questionnaire by its
  // label or section title (case and accents ignored); arrows choose, Enter goes there. The
  // list comes from the server (#jump-index); this page's own questions are read live.
  var jumpDialog = document.getElementById("jump-dialog");
  var jumpInput = document.getElementById("jump-input");
  var jumpList = document.getElementById("jump-list");
  var jumpCount = document.getElementById("jump-count");
  var jumpOpen = document.getElementById("jump-open");
  var jumpData = [];
  try { jumpData = JSON.parse((document.getElementById("jump-index") || {}).textContent || "[]"); } catch (err) { jumpData = []; }
  var isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || "");
  var currentSection = root.getAttribute("data-section-id") || "";
  var jumpReturn = null;
  var jumpItems = [];
  var jumpActive = 0;
  var sectionBase = (function () {
    var link = document.querySelector("[data-section-link]");
    return link ? link.getAttribute("href").replace(/[^/]*$/, "") : "";
  })();

  function fold(text) {
    var t = String(text || "").toLowerCase();
    return t.normalize ? t.normalize("NFD").replace(/[\u0300-\u036f]/g, "") : t;
  }
  function liveState(item) {
    if (item.section_id !== currentSection) {
      if (!latestVisible) { return item; }
      return { id: item.id, label: item.label, section_id: item.section_id, section_title: item.section_title,
               visible: !!latestVisible[item.id], answered: item.answered };
    }
    var w = wrapperByKey(item.id);
    if (!w) { return item; }
    var v = valueOf(w);
    var answered = Array.isArray(v) ? v.length > 0 : String(v).trim() !== "";
    return { id: item.id, label: item.label, section_id: item.section_id, section_title: item.section_title, visible: !w.hidden, answered: answered };
  }
  // Every word typed must appear (in the label or the section title); label matches first,
  // then those whose label starts with what was typed, then questionnaire order.
  function search(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    var found = [];
    jumpData.forEach(function (item, index) {
      var label = fold(item.label);
      var hay = label + " " + fold(item.section_title);
      if (!words.every(function (word) { return hay.indexOf(word) >= 0; })) { return; }
      var inLabel = words.every(function (word) { return label.indexOf(word) >= 0; });
      var rank = !words.length ? 0 : (label.indexOf(words[0]) === 0 ? 0 : (inLabel ? 1 : 2));
      found.push({ item: liveState(item), rank: rank, index: index });
    });
    found.sort(function (a, b) { return a.rank - b.rank || a.index - b.index; });
    return found.map(function (f) { return f.item; });
  }
  function renderJump() {
    jumpItems = search(jumpInput.value);
    jumpActive = Math.min(jumpActive, Math.max(jumpItems.length - 1, 0));
    jumpList.textContent = "";
    jumpItems.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "jump-opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("data-jump-id", item.id);
      li.setAttribute("aria-selected", i === jumpActive ? "true" : "false");
      var label = document.createElement("span");
      label.className = "ws-jump-label";
      label.textContent = item.label;
      li.appendChild(label);
      var meta = document.createElement("span");
      meta.className = "ws-jump-meta";
      var bits = [item.section_id === currentSection ? item.section_title + " (this section)" : item.section_title];
      if (!item.visible) { bits.push("not asked: depends on an earlier answer"); li.classList.add("not-asked"); }
      else if (item.answered) { bits.push("answered"); }
      meta.textContent = bits.join(" · ");
      li.appendChild(meta);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });  // keep focus in the box
      li.addEventListener("click", function () { goTo(item); });
      jumpList.appendChild(li);
    });
    if (jumpItems.length) {
      jumpInput.setAttribute("aria-activedescendant", "jump-opt-" + jumpActive);
      var active = document.getElementById("jump-opt-" + jumpActive);
      if (active && active.scrollIntoView) { active.scrollIntoView({ block: "nearest" }); }
    } else {
      jumpInput.removeAttribute("aria-activedescendant");
    }
    jumpCount.textContent = jumpItems.length === 1 ? "1 question" : jumpItems.length + " questions";
  }
  function openJump() {
    if (!jumpDialog || jumpDialog.open) { return; }
    jumpReturn = document.activeElement;
    jumpInput.value = "";
    jumpActive = 0;
    renderJump();
    if (jumpDialog.showModal) { jumpDialog.showModal(); } else { jumpDialog.setAttribute("open", ""); }
    jumpInput.focus();
  }
  function closeJump(restore) {
    if (!jumpDialog || !jumpDialog.open) { return; }
    if (jumpDialog.close) { jumpDialog.close(); } else { jumpDialog.removeAttribute("open"); }
    if (restore && jumpReturn && jumpReturn.focus && document.contains(jumpReturn)) { jumpReturn.focus(); }
  }
  function goTo(item) {
    closeJump(false);
    if (item.section_id === currentSection) {
      var w = wrapperByKey(item.id);
      if (w && !w.hidden) {
        var el = focusTarget(w);
        w.scrollIntoView({ block: "center" });
        if (el) { el.focus({ preventScroll: true }); }
        w.classList.remove("ws-appeared");
        void w.offsetWidth;
        w.classList.add("ws-appeared");
        window.setTimeout(function () { w.classList.remove("ws-appeared"); }, 1500);
      } else {
        if (jumpReturn && jumpReturn.focus && document.contains(jumpReturn)) { jumpReturn.focus(); }
        announce("“" + item.label + "” is not asked: it depends on an earlier answer.");
      }
      return;
    }
    // Another section: save what is pending first, like every other way of leaving.
    leaveTo(sectionBase + encodeURIComponent(item.section_id) + "#q-" + encodeURIComponent(item.id));
  }
  if (jumpDialog && jumpInput && jumpList && jumpData.length) {
    if (jumpOpen) {
      var key = jumpOpen.querySelector("[data-jump-key]");
      if (key && isMac) { key.textContent = "⌘K"; }
      jumpOpen.hidden = false;
      jumpOpen.addEventListener("click", openJump);
    }
    document.addEventListener("keydown", function (ev) {
      if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && !ev.shiftKey && (ev.key === "k" || ev.key === "K")) {
        ev.preventDefault();
        if (jumpDialog.open) { closeJump(true); } else { openJump(); }
      }
    });
    jumpInput.addEventListener("input", function () { jumpActive = 0; renderJump(); });
    jumpInput.addEventListener("keydown", function (ev) {
      if (ev.isComposing) { return; }
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        if (!jumpItems.length) { return; }
        jumpActive = (jumpActive + (ev.key === "ArrowDown" ? 1 : jumpItems.length - 1)) % jumpItems.length;
        renderJump();
      } else if (ev.key === "Enter") {
        ev.preventDefault();
        if (jumpItems[jumpActive]) { goTo(jumpItems[jumpActive]); }
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        closeJump(true);
      }
    });
    // Esc handled by the browser's dialog (cancel), a click on the backdrop: focus goes back.
    jumpDialog.addEventListener("cancel", function (ev) { ev.preventDefault(); closeJump(true); });
    jumpDialog.addEventListener("click", function (ev) {
      if (ev.target !== jumpDialog) { return; }
      var r = jumpDialog.getBoundingClientRect();  // the backdrop, not the dialog's own padding
      var inside = ev.clientX >= r.left && ev.clientX <= r.right && ev.clientY >= r.top && ev.clientY <= r.bottom;
      if (!inside) { closeJump(true); }
    });
  }

  // ------------------------------------------------------------------ focus on arrival
  // "#q-<id>" (an "ask next" link) puts the cursor in that question; arriving with Next,
  // Back or Enter puts it in the first visible question. A plain load or reload forces nothing.
  function focusHash() {
    var hash = window.location.hash;
    if (!hash || hash.indexOf("#q-") !== 0) { return false; }
    var w = document.getElementById(hash.slice(1));
    var el = w && !w.hidden && form.contains(w) ? focusTarget(w) : null;
    if (el) { el.focus(); }
    if (w && w.hidden && form.contains(w)) { announce("“" + labelOf(w) + "” is not asked: it depends on an earlier answer."); }
    return !!el;
  }
  function focusOnArrival() {
    var wanted = null;
    try {
      wanted = window.sessionStorage.getItem(FOCUS_KEY);
      window.sessionStorage.removeItem(FOCUS_KEY);
    } catch (err) { wanted = null; }
    if (focusHash() || wanted !== window.location.pathname) { return; }
    var first = wrappers().filter(function (w) { return !w.hidden; })[0];
    var el = first ? focusTarget(first) : null;
    if (el) { el.focus(); }
  }
  window.addEventListener("hashchange", focusHash);
  // After the browser's own scroll to "#q-…", which moves focus to the (unfocusable) block.
  if (document.readyState === "complete") { window.setTimeout(focusOnArrival, 0); }
  else { window.addEventListener("load", function () { window.setTimeout(focusOnArrival, 0); }); }
  updateGlobal();
})();
