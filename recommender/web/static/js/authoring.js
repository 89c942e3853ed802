// Rule authoring workbench: CodeMirror over the plain textareas (which still work without
// JavaScript), problems shown at their line (gutter marker + line class), problem links
// that jump to the line (or open the data file they are in), and a "check without saving"
// button. Problems with `here: false` belong to another file of the draft.
(function () {
  "use strict";
  if (typeof window.CodeMirror === "undefined") { return; }

  var editors = {};

  function readProblems() {
    var el = document.getElementById("problems-data");
    if (!el) { return []; }
    try { return JSON.parse(el.textContent || "[]"); } catch (e) { return []; }
  }

  function hereOnly(problems) {
    return problems.filter(function (p) { return p.here !== false; });
  }

  function markProblems(cm, problems) {
    problems = hereOnly(problems);
    cm.clearGutter("problem-gutter");
    (cm.state.problemLines || []).forEach(function (h) { cm.removeLineClass(h, "background", "cm-problem-line"); });
    (cm.state.problemMarks || []).forEach(function (m) { m.clear(); });
    cm.state.problemLines = [];
    cm.state.problemMarks = [];
    var byLine = {};
    problems.forEach(function (p) {
      var line = Math.max(0, Math.min((p.line || 1) - 1, cm.lineCount() - 1));
      (byLine[line] = byLine[line] || []).push(p.message);
    });
    Object.keys(byLine).forEach(function (key) {
      var line = parseInt(key, 10);
      var marker = document.createElement("span");
      marker.className = "problem-marker";
      marker.textContent = "\u25CF";
      marker.title = byLine[key].join("\n");
      marker.setAttribute("aria-label", "Problem: " + byLine[key].join("; "));
      cm.setGutterMarker(line, "problem-gutter", marker);
      cm.state.problemLines.push(cm.addLineClass(line, "background", "cm-problem-line"));
      var widget = document.createElement("div");
      widget.className = "cm-problem-message";
      widget.textContent = byLine[key].join(" \u00B7 ");
      cm.state.problemMarks.push(cm.addLineWidget(line, widget, { coverGutter: false, noHScroll: true }));
    });
  }

  function jumpTo(cm, line, col) {
    var pos = { line: Math.max(0, line - 1), ch: Math.max(0, (col || 1) - 1) };
    cm.focus();
    cm.setCursor(pos);
    cm.scrollIntoView(pos, 80);
  }

  function setUp(textarea) {
    var mode = textarea.getAttribute("data-editor");
    var cm = window.CodeMirror.fromTextArea(textarea, {
      mode: mode === "gherkin" ? "gherkin" : "yaml",
      lineNumbers: true,
      gutters: ["CodeMirror-linenumbers", "problem-gutter"],
      indentUnit: 2,
      tabSize: 2,
      indentWithTabs: false,
      lineWrapping: false,
      viewportMargin: 50,
      extraKeys: {
        Tab: function (c) { c.replaceSelection("  "); },
        "Ctrl-S": function () { textarea.form && textarea.form.requestSubmit(); },
        "Cmd-S": function () { textarea.form && textarea.form.requestSubmit(); }
      }
    });
    cm.getWrapperElement().setAttribute("data-editor-for", textarea.id);
    editors[textarea.id] = cm;
    var problems = hereOnly(readProblems());
    markProblems(cm, problems);
    if (problems.length && textarea.id === "source") {
      // Bring the first problem into view (CodeMirror only renders visible lines).
      cm.scrollIntoView({ line: Math.max(0, (problems[0].line || 1) - 1), ch: 0 }, 120);
    }
    return cm;
  }

  document.querySelectorAll("textarea[data-editor]").forEach(setUp);

  // Problem links: jump to the line in the editor they belong to.
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest ? evt.target.closest("a.problem-link") : null;
    if (!link) { return; }
    var target = (link.getAttribute("href") || "").replace(/^#/, "");
    var cm = editors[target];
    if (!cm) { return; }
    evt.preventDefault();
    jumpTo(cm, parseInt(link.getAttribute("data-line"), 10) || 1, parseInt(link.getAttribute("data-col"), 10) || 1);
  });

  // #L12 (or #L12C5) in the address (from the lint page, or a problem in another file)
  // opens the editor at that line.
  var hash = window.location.hash.match(/^#L(\d+)(?:C(\d+))?$/);
  if (hash && editors.source) { jumpTo(editors.source, parseInt(hash[1], 10), parseInt(hash[2] || "1", 10)); }

  function renderProblemList(problems) {
    var section = document.getElementById("problems");
    if (!section) { return; }
    section.querySelector("h2").textContent = problems.length ? problems.length + (problems.length === 1 ? " problem" : " problems") : "No problems";
    section.classList.toggle("has-problems", problems.length > 0);
    var list = section.querySelector("ul");
    list.textContent = "";
    problems.forEach(function (p) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = p.here === false && p.href ? p.href : "#source";
      a.className = "problem-link";
      a.setAttribute("data-line", p.line);
      a.setAttribute("data-col", p.col);
      if (p.file) { a.title = p.file + ":" + p.line + ":" + p.col; }
      a.textContent = (p.file ? p.file + ", " : "") + "line " + p.line + ", column " + p.col;
      li.appendChild(a);
      li.appendChild(document.createTextNode(": " + p.message));
      list.appendChild(li);
    });
  }

  function showStatus(form, message) {
    // A message under the toolbar (announced to screen readers); "" clears it.
    var status = form.querySelector(".editor-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "editor-status field-errors";
      status.setAttribute("role", "alert");
      form.appendChild(status);
    }
    status.textContent = message;
    status.hidden = !message;
  }

  // Text over the server's request limit would be refused (413) and the page replaced:
  // say so here instead, keeping the editor as it is.
  document.querySelectorAll("form[data-max-bytes]").forEach(function (f) {
    var limit = parseInt(f.getAttribute("data-max-bytes"), 10) || 0;
    if (!limit) { return; }
    f.addEventListener("submit", function (evt) {
      var size = 0;
      f.querySelectorAll("textarea[data-editor]").forEach(function (t) {
        var cm = editors[t.id];
        size += new Blob([cm ? cm.getValue() : t.value]).size;
      });
      if (size > limit) {
        evt.preventDefault();
        showStatus(f, "The text is " + Math.ceil(size / 1024) + " KB, more than the " + Math.floor(limit / 1024) +
          " KB limit; it was not saved. Shorten it and try again.");
      } else {
        showStatus(f, "");
      }
    });
  });

  var checkButton = document.getElementById("check-button");
  var form = document.getElementById("editor-form");
  if (checkButton && form && editors.source) {
    checkButton.hidden = false;
    checkButton.addEventListener("click", function () {
      var cm = editors.source;
      var body = new FormData();
      body.append("source", cm.getValue());
      var file = form.querySelector("input[name=file]");
      body.append("file", file ? file.value : "");
      checkButton.disabled = true;
      fetch(form.getAttribute("data-check-url"), {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": window.recommenderCsrfToken || "", "Accept": "application/json" },
        credentials: "same-origin"
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok || !Array.isArray(data.problems)) {
            throw new Error(data.error || ("the server answered " + r.status));
          }
          return data;
        });
      }).then(function (data) {
        showStatus(form, "");
        markProblems(cm, data.problems);
        renderProblemList(data.problems);
      }).catch(function (err) {
        showStatus(form, "The check did not run: " + (err && err.message ? err.message : "the server could not be reached") + ".");
      }).finally(function () { checkButton.disabled = false; });
    });
  }

  // The file selector: leaving a file with unsaved edits asks first.
  if (editors.source) {
    var saved = editors.source.getValue();
    var editorForm = document.getElementById("editor-form");
    if (editorForm) { editorForm.addEventListener("submit", function () { saved = editors.source.getValue(); }); }
    document.querySelectorAll(".file-tabs a").forEach(function (tab) {
      tab.addEventListener("click", function (evt) {
        if (tab.getAttribute("aria-current") === "page" || editors.source.getValue() === saved) { return; }
        if (!window.confirm("You have unsaved changes in this file. Leave without saving them?")) { evt.preventDefault(); }
      });
    });
  }

  // Side-panel filter for answer ids.
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var list = document.querySelector(input.getAttribute("data-filter"));
    if (!list) { return; }
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      list.querySelectorAll(".entry").forEach(function (entry) {
        entry.hidden = q !== "" && entry.textContent.toLowerCase().indexOf(q) === -1;
      });
    });
  });
})();
