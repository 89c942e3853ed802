// SA workspace: autosave each answer (debounced), show per-field and global save state,
// show/hide conditional questions from the server's `visible` list, keyboard flow (Enter
// moves on), country type-ahead, and a warning before leaving with unsaved changes.
// Without JavaScript the section form posts and is saved as a whole.
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
      el.textContent = state === "idle" ? "" : (state === "failed" ? "Failed" : LABELS[state]);
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
  function applyVisibility(visible) {
    if (!Array.isArray(visible)) { return; }
    var set = {};
    visible.forEach(function (id) { set[id] = true; });
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
        if (data.revision !== undefined) { root.setAttribute("data-revision", String(data.revision)); }
        setFieldState(w, e.dirty ? "pending" : "saved");
        if (!notes) { applyVisibility(data.visible); applyProgress(data.progress); document.body.dispatchEvent(new CustomEvent("answers-saved", { detail: data })); }
      } else if (r.resp.status === 409) {
        e.conflictVersion = (!notes && typeof data.current_version === "number") ? data.current_version : undefined;
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
          target.submit();
        } else {
          focusFirstProblem();
        }
      });
    });
  }

  function onBeforeUnload(ev) {
    if (hasUnsaved()) {
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
    if (e.timer) { save(w); }
    moveOn(w);
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

  // ------------------------------------------------------------------ focus on arrival
  // "#q-<id>" (an "ask next" link) puts the cursor in that question; arriving with Next,
  // Back or Enter puts it in the first visible question. A plain load or reload forces nothing.
  function focusHash() {
    var hash = window.location.hash;
    if (!hash || hash.indexOf("#q-") !== 0) { return false; }
    var w = document.getElementById(hash.slice(1));
    var el = w && !w.hidden && form.contains(w) ? focusTarget(w) : null;
    if (el) { el.focus(); }
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
