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

  // Bring a line into view with the start of the line showing: vertically a third from the
  // top when it is not comfortably on screen already, horizontally back to column 0 (a long
  // line scrolled sideways would hide where it starts).
  function showLine(cm, line) {
    var info = cm.getScrollInfo();
    var top = cm.heightAtLine(line, "local");
    var lineHeight = cm.defaultTextHeight();
    var visible = top >= info.top + lineHeight && top <= info.top + info.clientHeight - 3 * lineHeight;
    cm.scrollTo(0, visible ? null : Math.max(0, top - info.clientHeight / 3));
  }

  // Put the cursor at (1-based) line and column and show the start of that line.
  function jumpTo(cm, line, col) {
    var pos = { line: Math.max(0, Math.min(line - 1, cm.lineCount() - 1)), ch: Math.max(0, (col || 1) - 1) };
    cm.focus();
    cm.setCursor(pos, null, { scroll: false });
    showLine(cm, pos.line);
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
        "Ctrl-F": function (c) { return openFind(c); },
        "Cmd-F": function (c) { return openFind(c); },
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
      showLine(cm, Math.max(0, Math.min((problems[0].line || 1) - 1, cm.lineCount() - 1)));
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
  // -- Finding text anywhere in the file ------------------------------------------------
  // CodeMirror draws only the lines on screen, so the browser's own find misses the rest;
  // this bar searches the whole text. Case does not matter, and digits match across the
  // separators authors write in numbers (50000000 finds 50_000_000 and 50,000,000).
  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function looseRegExp(query) {
    var out = "";
    for (var i = 0; i < query.length; i++) {
      out += escapeRegExp(query[i]);
      if (/\d/.test(query[i]) && /\d/.test(query[i + 1] || "")) { out += "[_,]?"; }
    }
    return new RegExp(out, "gi");
  }

  function normalized(text) { return text.toLowerCase().replace(/(\d)[_,](?=\d)/g, "$1"); }

  var find = { cm: null, matches: [], marks: [], current: null, index: -1 };

  function findElements() {
    return {
      bar: document.getElementById("find-bar"),
      input: document.getElementById("find-input"),
      count: document.getElementById("find-count")
    };
  }

  function clearFindMarks() {
    find.marks.forEach(function (m) { m.clear(); });
    find.marks = [];
    if (find.current) { find.current.clear(); find.current = null; }
  }

  function runFind(keepIndex) {
    var cm = find.cm;
    var els = findElements();
    if (!cm || !els.input) { return; }
    clearFindMarks();
    find.matches = [];
    var query = els.input.value;
    if (!query) { find.index = -1; els.count.textContent = ""; return; }
    var re = looseRegExp(query);
    var lines = cm.getValue().split("\n");
    for (var n = 0; n < lines.length && find.matches.length < 5000; n++) {
      re.lastIndex = 0;
      var m;
      while ((m = re.exec(lines[n])) !== null) {
        if (!m[0].length) { re.lastIndex++; continue; }
        find.matches.push({ from: { line: n, ch: m.index }, to: { line: n, ch: m.index + m[0].length } });
      }
    }
    find.matches.slice(0, 2000).forEach(function (hit) {
      find.marks.push(cm.markText(hit.from, hit.to, { className: "cm-find-match" }));
    });
    if (!keepIndex || find.index >= find.matches.length) { find.index = -1; }
    showFindCount();
  }

  function showFindCount() {
    var els = findElements();
    if (!find.matches.length) {
      els.count.textContent = els.input.value ? "No matches" : "";
    } else if (find.index < 0) {
      els.count.textContent = find.matches.length + (find.matches.length === 1 ? " match" : " matches");
    } else {
      els.count.textContent = (find.index + 1) + " of " + find.matches.length;
    }
  }

  function cmpPos(a, b) { return a.line - b.line || a.ch - b.ch; }

  function goToMatch(step) {
    var cm = find.cm;
    if (!cm) { return; }
    if (!find.matches.length) { runFind(false); }
    if (!find.matches.length) { showFindCount(); return; }
    if (find.index < 0) {
      // The first match after the cursor (before it, going back), wrapping around.
      var cursor = cm.getCursor(step > 0 ? "to" : "from");
      var i;
      if (step > 0) {
        for (i = 0; i < find.matches.length && cmpPos(find.matches[i].from, cursor) < 0; i++) { /* next */ }
        find.index = i % find.matches.length;
      } else {
        for (i = find.matches.length - 1; i >= 0 && cmpPos(find.matches[i].from, cursor) >= 0; i--) { /* previous */ }
        find.index = (i + find.matches.length) % find.matches.length;
      }
    } else {
      find.index = (find.index + step + find.matches.length) % find.matches.length;
    }
    var hit = find.matches[find.index];
    if (find.current) { find.current.clear(); }
    find.current = cm.markText(hit.from, hit.to, { className: "cm-find-current" });
    cm.setSelection(hit.from, hit.to, { scroll: false });
    var info = cm.getScrollInfo();
    var top = cm.heightAtLine(hit.from.line, "local");
    if (top < info.top || top > info.top + info.clientHeight - 3 * cm.defaultTextHeight()) {
      cm.scrollTo(null, Math.max(0, top - info.clientHeight / 3));
    }
    cm.scrollIntoView({ from: hit.from, to: hit.to }, 40);  // sideways only when needed
    showFindCount();
  }

  // Ctrl+F in the editor: the find bar (the browser's own find where the page has none).
  function openFind(cm) {
    var els = findElements();
    if (!els.input || els.bar.hidden) { return window.CodeMirror.Pass; }
    var selected = cm.getSelection();
    if (selected && selected.indexOf("\n") === -1) { els.input.value = selected; runFind(false); }
    els.input.focus();
    els.input.select();
  }

  function setUpFind(cm) {
    var els = findElements();
    if (!els.bar || !els.input) { return; }
    find.cm = cm;
    els.bar.hidden = false;
    var timer = null;
    els.input.addEventListener("input", function () {
      runFind(false);
      if (find.matches.length) { goToMatch(1); }
    });
    els.input.addEventListener("keydown", function (evt) {
      if (evt.key === "Enter") { evt.preventDefault(); goToMatch(evt.shiftKey ? -1 : 1); }
      if (evt.key === "Escape") { evt.preventDefault(); cm.focus(); }
    });
    document.getElementById("find-next").addEventListener("click", function () { goToMatch(1); });
    document.getElementById("find-prev").addEventListener("click", function () { goToMatch(-1); });
    cm.on("changes", function () {
      if (!els.input.value) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () { runFind(true); showFindCount(); }, 300);
    });
  }

  // -- Outline ------------------------------------------------------------------------------
  // Built from the text being edited (kept up to date as it changes): every top-level
  // section with entries (sets, derived facts, parameters, tables, products by family, risks,
  // bundles, rules by the heading comments above them or by their id's first word), each
  // entry a link to its line. The search box jumps to a rule by id or by any text in it.
  var SECTION_TITLES = {
    sets: "Sets", derived: "Derived facts", params: "Parameters", conditions: "Named conditions",
    tables: "Decision tables", products: "Products", risks: "Risks", bundles: "Bundles",
    rules: "Rules", methods: "Payment methods", markets: "Markets"
  };
  var NOT_IN_OUTLINE = { name: 1, version: 1, title: 1, questionnaire: 1, description: 1, kind: 1, data: 1 };

  function indentOf(text) { return text.length - text.replace(/^ +/, "").length; }
  function isComment(text) { return /^\s*#/.test(text); }
  function isBlank(text) { return /^\s*$/.test(text); }
  function unquote(value) { return value.replace(/^['"]|['"]$/g, ""); }

  function headingOf(comment, afterRule) {
    var text = comment.replace(/^\s*#+/, "").trim();
    if (!text || /^[-=#\s]+$/.test(text)) { return null; }
    if (/-{3,}|={3,}/.test(text)) { text = text.replace(/^[-=\s]+|[-=\s]+$/g, ""); }
    else if (!afterRule) { return null; }
    text = text.split(/\. |\(|:/)[0].trim();
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : null;
  }

  function entryName(lines, start, end) {
    var first = lines[start].replace(/^\s*-\s*/, "").replace(/^\{\s*/, "");
    var keys = ["id", "country", "name", "fact", "value"];
    for (var k = 0; k < keys.length; k++) {
      var re = new RegExp("(?:^|[{,\\s])" + keys[k] + "\\s*:\\s*([^,}#\\s][^,}#]*)");
      var m = first.match(new RegExp("^" + keys[k] + "\\s*:\\s*([^,}#]+)")) || lines[start].match(re);
      if (m) { return unquote(m[1].trim()); }
      for (var n = start + 1; n < end; n++) {
        var mm = lines[n].match(new RegExp("^\\s*" + keys[k] + "\\s*:\\s*(.+?)\\s*(#.*)?$"));
        if (mm) { return unquote(mm[1]); }
      }
    }
    var any = first.match(/^([\w-]+)\s*:\s*([^,}#]*)/);
    return any ? unquote((any[2] || any[1]).trim()) : first.trim();
  }

  function scanOutline(text) {
    var lines = text.split("\n");
    var sections = [];
    var section = null;
    lines.forEach(function (line, n) {
      var top = line.match(/^([A-Za-z_][\w-]*)\s*:\s*(.*)$/);
      if (top) {
        var rest = top[2].replace(/\s+#.*$/, "").trim();
        section = null;
        if (!NOT_IN_OUTLINE[top[1]] && (!rest || /^[|>]/.test(rest))) {
          section = { key: top[1], line: n, body: [] };
          sections.push(section);
        }
        return;
      }
      if (section && !/^\S/.test(line)) { section.body.push(n); }
    });
    sections.forEach(function (sec) { sec.entries = sectionEntries(sec, lines); });
    return { lines: lines, sections: sections.filter(function (s) { return s.entries.length; }) };
  }

  function sectionEntries(sec, lines) {
    var body = sec.body.filter(function (n) { return !isBlank(lines[n]) && !isComment(lines[n]); });
    if (!body.length) { return []; }
    var first = lines[body[0]];
    var childIndent = indentOf(first);
    var isList = /^\s*-(\s|$)/.test(first);
    var starts = body.filter(function (n) {
      return indentOf(lines[n]) === childIndent && (isList ? /^\s*-(\s|$)/.test(lines[n]) : /^\s*[\w@$"'-]+\s*:/.test(lines[n]));
    });
    var last = sec.body.length ? sec.body[sec.body.length - 1] + 1 : sec.line + 1;
    var entries = [];
    var heading = null;
    var afterRule = false;
    var comments = [];
    starts.forEach(function (start, i) {
      var end = i + 1 < starts.length ? starts[i + 1] : last;
      // Comments between the previous entry and this one: headings, and search text.
      comments = [];
      var from = i === 0 ? sec.line + 1 : starts[i - 1] + 1;
      for (var n = from; n < start; n++) {
        if (!isComment(lines[n]) || indentOf(lines[n]) > childIndent) { continue; }
        var h = headingOf(lines[n], afterRule);
        afterRule = /^\s*#\s*[-=]{3,}\s*$/.test(lines[n]);
        if (h) { heading = h; }
        comments.push(lines[n]);
      }
      var own = [];
      var ownLines = [];
      for (var k = start; k < end; k++) {
        if (!isComment(lines[k]) || indentOf(lines[k]) > childIndent) { own.push(lines[k]); ownLines.push(k); }
      }
      var name = isList ? entryName(lines, start, end) : lines[start].replace(/^\s*/, "").split(":")[0].replace(/^['"]|['"]$/g, "");
      var family = null;
      if (sec.key === "products") {
        var fam = own.join("\n").match(/\bfamily\s*:\s*([\w-]+)/);
        family = fam ? fam[1] : null;
      }
      entries.push({
        name: name, line: start, ch: Math.max(0, lines[start].search(/[^\s-]/)),
        group: sec.key === "products" ? family : sec.key === "rules" ? heading : null,
        text: comments.concat(own).join("\n"), block: own, blockLines: ownLines
      });
    });
    if (sec.key === "rules" && !entries.some(function (e) { return e.group; }) && entries.length > 12) {
      entries.forEach(function (e) { e.group = e.name.split(/[-_]/)[0]; });
    }
    return entries;
  }

  var outline = { cm: null, data: null, open: {} };

  function renderOutline() {
    var nav = document.getElementById("outline");
    if (!nav || !outline.cm) { return; }
    outline.data = scanOutline(outline.cm.getValue());
    nav.textContent = "";
    outline.data.sections.forEach(function (sec) {
      var details = document.createElement("details");
      details.className = "outline-section";
      details.setAttribute("data-key", sec.key);
      details.open = outline.open[sec.key] !== undefined ? outline.open[sec.key] : sec.key !== "products";
      details.addEventListener("toggle", function () { outline.open[sec.key] = details.open; });
      var summary = document.createElement("summary");
      summary.textContent = (SECTION_TITLES[sec.key] || sec.key.replace(/_/g, " ")) + " ";
      var count = document.createElement("span");
      count.className = "count";
      count.textContent = "(" + sec.entries.length + ")";
      summary.appendChild(count);
      details.appendChild(summary);
      var groups = [];
      var byName = {};
      sec.entries.forEach(function (e) {
        var g = e.group || "";
        if (!byName[g]) { byName[g] = { name: g, entries: [] }; groups.push(byName[g]); }
        byName[g].entries.push(e);
      });
      groups.forEach(function (g) {
        var list = document.createElement("ul");
        g.entries.forEach(function (e) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = "#L" + (e.line + 1);
          a.className = "outline-link";
          a.setAttribute("data-line", e.line + 1);
          a.setAttribute("data-col", e.ch + 1);
          a.textContent = e.name.length > 48 ? e.name.slice(0, 47) + "\u2026" : e.name;
          a.title = e.name + " (line " + (e.line + 1) + ")";
          e.link = a;
          e.item = li;
          li.appendChild(a);
          if (sec.key === "tables" && /\/edit\/?$/.test(window.location.pathname)) {
            // A decision table also opens in the grid editor (the Tables tab).
            var grid = document.createElement("a");
            grid.href = window.location.pathname.replace(/\/edit\/?$/, "/tables") + "?table=" + encodeURIComponent(e.name);
            grid.className = "outline-grid";
            grid.textContent = "grid";
            grid.title = "Edit " + e.name + " as a grid";
            li.appendChild(document.createTextNode(" "));
            li.appendChild(grid);
          }
          list.appendChild(li);
        });
        if (!g.name || groups.length === 1 && !sec.entries[0].group) {
          details.appendChild(list);
          g.details = null;
          return;
        }
        var sub = document.createElement("details");
        var key = sec.key + "/" + g.name;
        sub.open = !!outline.open[key];
        sub.addEventListener("toggle", function () { if (!sub.hasAttribute("data-searching")) { outline.open[key] = sub.open; } });
        var s = document.createElement("summary");
        s.textContent = g.name + " ";
        var c = document.createElement("span");
        c.className = "count";
        c.textContent = "(" + g.entries.length + ")";
        s.appendChild(c);
        sub.appendChild(s);
        sub.appendChild(list);
        details.appendChild(sub);
        g.details = sub;
        g.entries.forEach(function (e) { e.groupDetails = sub; });
      });
      sec.details = details;
      nav.appendChild(details);
    });
    filterOutline();
  }

  // Entries that match the search: by id first, then by any text in them (file order).
  function outlineMatches(query) {
    var q = normalized(query.trim());
    if (!q || !outline.data) { return []; }
    var byId = [];
    var byText = [];
    outline.data.sections.forEach(function (sec) {
      sec.entries.forEach(function (e) {
        if (normalized(e.name).indexOf(q) !== -1) { byId.push(e); }
        else if (normalized(e.text).indexOf(q) !== -1) { byText.push(e); }
      });
    });
    return byId.concat(byText);
  }

  function filterOutline() {
    var input = document.getElementById("outline-search");
    var status = document.getElementById("outline-status");
    if (!input || !outline.data) { return; }
    var query = input.value.trim();
    var matches = outlineMatches(query);
    var hit = new Set(matches);
    outline.data.sections.forEach(function (sec) {
      var any = false;
      sec.entries.forEach(function (e) {
        var show = !query || hit.has(e);
        e.item.hidden = !show;
        e.link.classList.toggle("outline-first", !!query && e === matches[0]);
        any = any || show;
      });
      sec.details.hidden = !any;
      if (query) { sec.details.open = any; }
      sec.details.querySelectorAll("details").forEach(function (sub) {
        var visible = Array.prototype.some.call(sub.querySelectorAll("li"), function (li) { return !li.hidden; });
        sub.hidden = !visible;
        if (query) { sub.setAttribute("data-searching", ""); sub.open = visible; sub.removeAttribute("data-searching"); }
      });
      if (!query) {
        sec.details.open = outline.open[sec.key] !== undefined ? outline.open[sec.key] : sec.key !== "products";
        sec.details.querySelectorAll("details").forEach(function (sub) { sub.hidden = false; });
      }
    });
    if (!status) { return; }
    if (!query) { status.textContent = ""; }
    else if (!matches.length) { status.textContent = "Nothing in the outline matches \u201C" + query + "\u201D."; }
    else { status.textContent = matches.length + (matches.length === 1 ? " match" : " matches") + "; Enter goes to " + matches[0].name + "."; }
  }

  function goToEntry(e) {
    var cm = outline.cm;
    jumpTo(cm, e.line + 1, e.ch + 1);
    var info = cm.getScrollInfo();
    var top = cm.heightAtLine(e.line, "local");
    // An entry goes near the top of the editor, so the whole rule below it is in view.
    if (top < info.top || top > info.top + info.clientHeight / 2) { cm.scrollTo(0, Math.max(0, top - cm.defaultTextHeight() * 2)); }
    var mark = cm.addLineClass(e.line, "background", "cm-outline-target");
    setTimeout(function () { cm.removeLineClass(mark, "background", "cm-outline-target"); }, 1500);
  }

  function setUpOutline(cm) {
    var card = document.getElementById("outline-card");
    var nav = document.getElementById("outline");
    var input = document.getElementById("outline-search");
    if (!card || !nav) { return; }
    outline.cm = cm;
    card.hidden = false;
    renderOutline();
    var timer = null;
    cm.on("changes", function () { clearTimeout(timer); timer = setTimeout(renderOutline, 400); });
    nav.addEventListener("click", function (evt) {
      var link = evt.target.closest ? evt.target.closest("a.outline-link") : null;
      if (!link) { return; }
      evt.preventDefault();
      var line = parseInt(link.getAttribute("data-line"), 10) - 1;
      var entry = null;
      outline.data.sections.forEach(function (s) { s.entries.forEach(function (e) { if (e.line === line) { entry = e; } }); });
      if (entry) { goToEntry(entry); }
    });
    if (input) {
      input.addEventListener("input", filterOutline);
      input.addEventListener("keydown", function (evt) {
        if (evt.key !== "Enter") { return; }
        evt.preventDefault();
        var matches = outlineMatches(input.value);
        if (matches.length) { goToEntry(matches[0]); }
      });
    }
  }

  // -- Rules that read an answer, a derived fact or a set -------------------------------------
  // A rule reads a name when it appears in its `when:` condition or inside the {{ }} / {% %}
  // of its texts.
  function conditionLines(block) {
    var out = [];
    for (var i = 0; i < block.length; i++) {
      var m = block[i].match(/^(\s*-?\s*)when\s*:(.*)$/);
      if (!m) { continue; }
      var indent = m[1].replace("-", " ").length;
      out.push({ offset: i, text: block[i] });
      for (var j = i + 1; j < block.length && (isBlank(block[j]) || indentOf(block[j]) > indent); j++) {
        out.push({ offset: j, text: block[j] });
      }
    }
    return out;
  }

  function readersOf(name) {
    if (!outline.data) { return []; }
    var rules = outline.data.sections.filter(function (s) { return s.key === "rules"; })[0];
    if (!rules) { return []; }
    var word = name.charAt(0) === "@"
      ? new RegExp("@" + escapeRegExp(name.slice(1)) + "(?![\\w])")
      : new RegExp("(^|[^\\w@$.])" + escapeRegExp(name) + "(?![\\w])");
    var out = [];
    rules.entries.forEach(function (rule) {
      var found = null;
      conditionLines(rule.block).some(function (l) {
        var text = l.text.replace(/^\s*-?\s*when\s*:/, function (w) { return w.replace(/\S/g, " "); });
        var m = word.exec(text.replace(/#.*$/, ""));
        if (m) { found = { line: rule.blockLines[l.offset], ch: m.index + (m[1] ? m[1].length : 0), where: "condition" }; }
        return !!m;
      });
      if (!found) {
        rule.block.some(function (text, k) {
          var re = /\{[{%]([\s\S]*?)[%}]\}/g;
          var m;
          while ((m = re.exec(text)) !== null) {
            var inner = word.exec(m[1]);
            if (inner) { found = { line: rule.blockLines[k], ch: m.index, where: "text" }; return true; }
          }
          return false;
        });
      }
      if (found) { out.push({ id: rule.name, line: found.line, ch: found.ch, where: found.where }); }
    });
    // Decision tables read answers through their input columns (`input:`).
    var tables = outline.data.sections.filter(function (s) { return s.key === "tables"; })[0];
    (tables ? tables.entries : []).forEach(function (table) {
      table.block.some(function (text, k) {
        var m = text.match(/^(\s*-?\s*(?:\{\s*)?(?:id\s*:[^,]*,\s*)?input\s*:)(.*)$/);
        var hit = m ? word.exec(m[2].replace(/#.*$/, "")) : null;
        if (hit) {
          out.push({ id: "table " + table.name, line: table.blockLines[k], ch: m[1].length + hit.index + (hit[1] ? hit[1].length : 0), where: "condition" });
        }
        return !!hit;
      });
    });
    return out;
  }

  function showReaders(button) {
    var list = button.parentNode.querySelector("ul.readers");
    if (!list) { return; }
    var name = button.getAttribute("data-reads");
    var readers = readersOf(name);
    list.textContent = "";
    if (!readers.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = "No rule reads it.";
      list.appendChild(none);
    }
    readers.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#L" + (r.line + 1);
      a.className = "reader-link";
      a.setAttribute("data-line", r.line + 1);
      a.setAttribute("data-col", r.ch + 1);
      a.textContent = r.id;
      li.appendChild(a);
      var where = document.createElement("span");
      where.className = "where";
      where.textContent = r.where === "condition" ? " (condition)" : " (text)";
      li.appendChild(where);
      list.appendChild(li);
    });
    var label = button.getAttribute("data-label") || button.textContent.replace(/ \(\d+\)$/, "");
    button.setAttribute("data-label", label);
    button.textContent = label + " (" + readers.length + ")";
  }

  function setUpReaders(cm) {
    var buttons = document.querySelectorAll("button.readers-toggle[data-reads]");
    if (!buttons.length) { return; }
    buttons.forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var list = button.parentNode.querySelector("ul.readers");
        var open = button.getAttribute("aria-expanded") === "true";
        if (!open) { showReaders(button); }
        list.hidden = open;
        button.setAttribute("aria-expanded", open ? "false" : "true");
      });
    });
    document.addEventListener("click", function (evt) {
      var link = evt.target.closest ? evt.target.closest("a.reader-link") : null;
      if (!link) { return; }
      evt.preventDefault();
      jumpTo(cm, parseInt(link.getAttribute("data-line"), 10), parseInt(link.getAttribute("data-col"), 10));
    });
    var timer = null;
    cm.on("changes", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        buttons.forEach(function (b) { if (b.getAttribute("aria-expanded") === "true") { showReaders(b); } });
      }, 500);
    });
  }

  if (editors.source && document.getElementById("editor-form")) {
    setUpFind(editors.source);
    setUpOutline(editors.source);
    setUpReaders(editors.source);
  }
})();
