/* The live recommendation panel as the SA's co-pilot (templates/reports/_panel.html), and the
   "Why not …?" form of the panel and of the readout page.

   - Each panel refresh after an answer says what the panel showed before (prev_products,
     prev_risks from the fragment's data attributes) and which question was answered
     (changed, from the autosave response carried by the answers-saved event): the server
     answers with "Changed by your last answer".
   - That change is announced politely in a live region outside the swapped fragment.
   - Alt+1, Alt+2, Alt+3 go to the first, second, third "ask next" question.
   - The folded details remember being open or closed (sessionStorage) across refreshes.
   - "Why not …?" shows its explanation in place (a page of its own without JavaScript).
   - An autosave's answer carries the refreshed panel (one round trip per answer); other
     changes (a colleague's, through the live poll) make htmx fetch it.
   Works with htmx (vendor/htmx.min.js) and without it on the readout page. */
(function () {
  "use strict";

  var PANEL_ID = "recommendation-panel";
  var LIVE_ID = "rec-live";
  var OPEN_KEY = "recommender-panel-open";
  var FRAGMENT_HEADER = "fragment";  // X-Requested-With: a fragment, not a whole page

  function panelEl() { return document.getElementById(PANEL_ID); }
  function fragment() {
    var p = panelEl();
    return p ? p.querySelector(".rec-panel[data-products]") : null;
  }

  // ------------------------------------------------------------------ the live region
  // Present from the start (a region added at the moment it speaks is often not read).
  function liveRegion() {
    var live = document.getElementById(LIVE_ID);
    if (!live) {
      live = document.createElement("div");
      live.id = LIVE_ID;
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    return live;
  }
  function announce(text) {
    var live = liveRegion();
    live.textContent = "";
    // A new text node after a tick: screen readers announce a change, even to the same text.
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  // ------------------------------------------------------------------ refreshes
  // This tab's autosave answers with the refreshed panel (panel_html): swap it in. Anything
  // else that saved answers (the live poll's changes, a save without a panel) makes the
  // panel stale: htmx fetches it (section.html: hx-trigger "panel-stale").
  function revisionOf(html) {
    var m = /data-revision="(\d+)"/.exec(html || "");
    return m ? parseInt(m[1], 10) : null;
  }
  function shownRevision() {
    var current = fragment();
    return current ? parseInt(current.getAttribute("data-revision") || "0", 10) || 0 : -1;
  }
  document.body.addEventListener("answers-saved", function (ev) {
    var d = ev.detail || {};
    var p = panelEl();
    if (!p) { return; }
    if (!d.remote && typeof d.panel_html === "string") {
      var incoming = revisionOf(d.panel_html);
      // Answers can come back out of order: never show an older panel over a newer one.
      if (incoming !== null && incoming < shownRevision()) { return; }
      p.innerHTML = d.panel_html;
      if (window.htmx) { window.htmx.process(p); }
      arrived(p);
      return;
    }
    document.body.dispatchEvent(new CustomEvent("panel-stale", { detail: d }));
  });
  document.body.addEventListener("htmx:beforeSwap", function (ev) {
    var p = panelEl();
    if (!p || ev.target !== p || !ev.detail.xhr) { return; }
    var incoming = revisionOf(ev.detail.xhr.responseText);
    if (incoming !== null && incoming < shownRevision()) { ev.detail.shouldSwap = false; }
  });

  // ------------------------------------------------------------------ what the panel showed
  document.body.addEventListener("htmx:configRequest", function (ev) {
    var p = panelEl();
    if (!p || ev.target !== p) { return; }
    var current = fragment();
    if (!current) { return; }  // the first load: nothing was shown, nothing to compare
    var params = ev.detail.parameters;
    params.prev_products = current.getAttribute("data-products") || "";
    params.prev_risks = current.getAttribute("data-risks") || "";
    var saved = savedDetail(ev.detail.triggeringEvent);
    if (!saved) { return; }
    if (!saved.remote) {
      if (typeof saved.question_id === "string") { params.changed = saved.question_id; }
      return;
    }
    // Answers brought by the live poll (together.js): a colleague's, or this SA's own in
    // another tab.
    var news = newAnswers(saved, current);
    if (news.length) {
      var last = news[news.length - 1];
      params.changed = last.question_id;
      if (!last.mine) { params.by = "colleague"; }
    }
  });

  // The autosave (or live poll) answer carried by the answers-saved event, if that was it.
  function savedDetail(trigger) {
    var d = trigger && trigger.detail;
    return d && typeof d === "object" ? d : null;
  }
  // The polled answers the shown panel does not reflect yet (made after its revision).
  function newAnswers(d, current) {
    var shown = parseInt(current.getAttribute("data-revision") || "0", 10) || 0;
    var list = Array.isArray(d.answers) ? d.answers : [];
    return list.filter(function (a) {
      return a && typeof a.question_id === "string" && !(typeof a.revision === "number" && a.revision <= shown);
    });
  }

  // The live poll also reports this tab's own saves, whose refresh already happened: one
  // more would replace "Changed by your last answer" with "nothing changed".
  document.body.addEventListener("htmx:beforeRequest", function (ev) {
    var p = panelEl();
    var current = fragment();
    if (!p || ev.target !== p || !current) { return; }
    var config = ev.detail && ev.detail.requestConfig;
    var saved = savedDetail(config && config.triggeringEvent);
    if (saved && saved.remote && Array.isArray(saved.answers) && saved.answers.length && !newAnswers(saved, current).length) {
      ev.preventDefault();
    }
  });

  // ------------------------------------------------------------------ folded details
  function openState() {
    try { return JSON.parse(window.sessionStorage.getItem(OPEN_KEY) || "{}") || {}; } catch (err) { return {}; }
  }
  function restoreDetails(root) {
    var state = openState();
    root.querySelectorAll("details[data-remember]").forEach(function (d) {
      var key = d.getAttribute("data-remember");
      if (Object.prototype.hasOwnProperty.call(state, key)) { d.open = !!state[key]; }
    });
  }
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (!d || !d.matches || !d.matches("details[data-remember]")) { return; }
    var state = openState();
    state[d.getAttribute("data-remember")] = d.open;
    try { window.sessionStorage.setItem(OPEN_KEY, JSON.stringify(state)); } catch (err) { /* private mode */ }
  }, true);

  // ------------------------------------------------------------------ after each refresh
  // The design summary shows four lines; "Show all" when it has more.
  function briefToggle(root) {
    var text = root.querySelector("[data-brief]");
    var button = root.querySelector("[data-brief-toggle]");
    if (!text || !button) { return; }
    button.hidden = text.scrollHeight <= text.clientHeight + 1;
    button.addEventListener("click", function () {
      var open = text.classList.toggle("expanded");
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "Show less" : "Show all";
    });
  }

  function arrived(root) {
    restoreDetails(root);
    briefToggle(root);
    var changed = root.querySelector("[data-announce]");
    if (changed) { announce(changed.getAttribute("data-announce")); }
  }
  document.body.addEventListener("htmx:afterSwap", function (ev) {
    var p = panelEl();
    if (p && ev.target === p) { arrived(p); }
  });

  // ------------------------------------------------------------------ Alt+1..3
  document.addEventListener("keydown", function (ev) {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.defaultPrevented) { return; }
    var match = /^Digit([1-9])$/.exec(ev.code || "");
    if (!match) { return; }
    var link = document.querySelector("#" + PANEL_ID + " a[data-ask-rank=\"" + match[1] + "\"]");
    if (!link) { return; }
    ev.preventDefault();
    // A click: the workspace saves a pending answer before leaving, and a link to the same
    // section moves to the question (its hashchange puts the cursor there).
    link.click();
  });

  // ------------------------------------------------------------------ why not …?
  function resultBox(form) {
    var box = form.nextElementSibling;
    return box && box.hasAttribute("data-why-not-result") ? box : null;
  }
  // Capture on the document: the explanation is fetched here and nothing else handles the
  // submit (the workspace's "save before leaving" is for forms that leave the page).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form || !form.matches || !form.matches("form[data-why-not]")) { return; }
    var box = resultBox(form);
    if (!box || !window.fetch) { return; }  // no place for it: the page of its own
    ev.preventDefault();
    ev.stopPropagation();
    var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
    box.setAttribute("aria-busy", "true");
    fetch(url, {
      credentials: "same-origin",
      // Errors come back as JSON {error}; the explanation as an HTML fragment.
      headers: { "X-Requested-With": FRAGMENT_HEADER, "Accept": "application/json, text/html;q=0.5" }
    }).then(function (resp) {
      if (resp.ok) { return resp.text().then(function (html) { return { html: html }; }); }
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { error: data.error || "The explanation could not be loaded (" + resp.status + ")." };
      });
    }, function () {
      return { error: "No connection to the server: try again." };
    }).then(function (r) {
      box.removeAttribute("aria-busy");
      if (r.html !== undefined) {
        box.innerHTML = r.html;  // server-rendered, escaped by Jinja
        var title = box.querySelector(".why-not-title");
        var summary = box.querySelector(".why-not-summary");
        announce(summary ? summary.textContent : (title ? title.textContent : ""));
      } else {
        box.textContent = "";
        var p = document.createElement("p");
        p.className = "flash flash-error";
        p.setAttribute("role", "alert");
        p.textContent = r.error;
        box.appendChild(p);
      }
    });
  }, true);

  // ------------------------------------------------------------------ start
  liveRegion();
  var p = panelEl();
  if (p && fragment()) { arrived(p); }
})();
