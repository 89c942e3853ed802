// Decision table grid (templates/authoring/tables.html): turns the read-only table into an
// editable grid. Every change is checked by the server (the real loader on the draft with
// these rows; POST .../check) and each problem is shown at its cell; Save writes the rows
// into the draft (POST ..., refused while a cell has a problem). Keyboard: Tab between
// cells, Enter checks the cell and goes to the one below, Escape undoes the cell's edit;
// row buttons (move up, move down, delete) have labels naming their row.
(function () {
  "use strict";
  var card = document.getElementById("grid-card");
  var dataEl = document.getElementById("grid-data");
  var table = document.getElementById("decision-grid");
  if (!card || !dataEl || !table) { return; }
  var data = JSON.parse(dataEl.textContent);
  var grid = data.grid;
  var columns = grid.inputs.concat(grid.outputs);
  var outputLabels = {};
  grid.outputs.forEach(function (c) { outputLabels[c.id] = c.label; });
  var rows = grid.rows.map(function (r) {
    return { cells: Object.assign({}, r.cells), priority: r.priority || "", because: Object.assign({}, r.because), orig: r.orig, line: r.line, extra: r.extra || [] };
  });
  var checksum = grid.checksum;
  var dirty = false;
  var checkTimer = null;
  var checkSeq = 0;
  var tbody = table.querySelector("tbody");
  var statusEl = document.getElementById("grid-status");
  var problemsEl = document.getElementById("table-problems");
  var findingsEl = document.getElementById("grid-findings");
  var editUrl = card.getAttribute("data-edit-url");

  function status(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "grid-status" + (kind ? " " + kind : "");
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function cellId(r, key) { return "cell-" + r + "-" + key.replace(/[^\w-]/g, "_"); }

  function rowButton(label, text, handler) {
    var b = el("button", { type: "button", "aria-label": label, title: label }, text);
    b.addEventListener("click", handler);
    return b;
  }

  function input(r, key, value, label) {
    var field = el("input", { type: "text", id: cellId(r, key), "aria-label": label, autocomplete: "off", spellcheck: "false", "data-row": r, "data-key": key });
    field.value = value || "";
    field.setAttribute("data-start", field.value);
    return field;
  }

  function render(focusId) {
    tbody.textContent = "";
    rows.forEach(function (row, r) {
      var n = r + 1;
      var tr = el("tr", { "data-row": r });
      if (row.orig === null || row.orig === undefined) { tr.className = "row-new"; }
      var th = el("th", { scope: "row", "class": "col-row" });
      if (row.line && row.orig !== null && row.orig !== undefined) {
        th.appendChild(el("a", { href: editUrl + "#L" + row.line + "C1", title: "Open row " + n + " in the editor" }, String(n)));
      } else {
        th.appendChild(el("span", {}, String(n)));
      }
      var actions = el("div", { "class": "row-actions" });
      actions.appendChild(rowButton("Move row " + n + " up", "\u2191", function () { move(r, -1); }));
      actions.appendChild(rowButton("Move row " + n + " down", "\u2193", function () { move(r, 1); }));
      actions.appendChild(rowButton("Delete row " + n, "Delete", function () { remove(r); }));
      actions.querySelectorAll("button")[0].disabled = r === 0;
      actions.querySelectorAll("button")[1].disabled = r === rows.length - 1;
      th.appendChild(actions);
      tr.appendChild(th);
      columns.forEach(function (c) {
        var td = el("td", { "data-column": c.id, "class": c.kind === "input" ? "col-input" : "col-output" });
        td.appendChild(input(r, c.id, row.cells[c.id], "Row " + n + ", " + c.label));
        tr.appendChild(td);
      });
      var pt = el("td", { "data-column": "priority", "class": "col-priority" });
      var pf = input(r, "priority", row.priority, "Row " + n + ", priority");
      pf.setAttribute("inputmode", "numeric");
      pt.appendChild(pf);
      tr.appendChild(pt);
      var bt = el("td", { "data-column": "because", "class": "col-because" });
      // The row's own text first, then one per output column in column order.
      var order = [""].concat(grid.outputs.map(function (c) { return c.id; }));
      var keys = order.filter(function (k) { return Object.prototype.hasOwnProperty.call(row.because, k); });
      Object.keys(row.because).forEach(function (k) { if (keys.indexOf(k) < 0) { keys.push(k); } });
      if (!keys.length) { keys = [""]; }
      keys.forEach(function (key) {
        var id = cellId(r, "because:" + key);
        var what = key ? (outputLabels[key] || key) : "the whole row";
        bt.appendChild(el("label", { "for": id, "class": "because-label" }, key ? "Because (" + what + ")" : "Because"));
        var area = el("textarea", { id: id, rows: "2", "aria-label": "Row " + n + ", because (" + what + ")", "data-row": r, "data-key": "because:" + key });
        area.value = row.because[key] || "";
        area.setAttribute("data-start", area.value);
        bt.appendChild(area);
      });
      tr.appendChild(bt);
      tbody.appendChild(tr);
    });
    if (focusId) {
      var target = document.getElementById(focusId);
      if (target) { target.focus(); }
    }
  }

  function collect() {
    return rows.map(function (row) {
      return { cells: row.cells, priority: String(row.priority || ""), because: row.because, orig: row.orig === undefined ? null : row.orig };
    });
  }

  function update(field) {
    var r = parseInt(field.getAttribute("data-row"), 10);
    var key = field.getAttribute("data-key");
    var row = rows[r];
    if (!row) { return false; }
    var value = field.value;
    var before;
    if (key === "priority") { before = row.priority; row.priority = value; }
    else if (key.indexOf("because:") === 0) { before = row.because[key.slice(8)] || ""; row.because[key.slice(8)] = value; }
    else { before = row.cells[key] || ""; row.cells[key] = value; }
    if (before !== value) { dirty = true; }
    return before !== value;
  }

  function move(r, step) {
    var to = r + step;
    if (to < 0 || to >= rows.length) { return; }
    var row = rows.splice(r, 1)[0];
    rows.splice(to, 0, row);
    dirty = true;
    render();
    var buttons = tbody.querySelectorAll("tr")[to].querySelectorAll(".row-actions button");
    var again = buttons[step < 0 ? 0 : 1];
    (again && !again.disabled ? again : buttons[2]).focus();
    status("Row " + (r + 1) + " moved to position " + (to + 1) + ".");
    scheduleCheck(0);
  }

  function remove(r) {
    rows.splice(r, 1);
    dirty = true;
    render();
    var trs = tbody.querySelectorAll("tr");
    var next = trs[Math.min(r, trs.length - 1)];
    if (next) { next.querySelector("input").focus(); } else { document.getElementById("add-row").focus(); }
    status("Row " + (r + 1) + " deleted.");
    scheduleCheck(0);
  }

  function addRow() {
    rows.push({ cells: {}, priority: "", because: {}, orig: null, line: 0, extra: [] });
    dirty = true;
    render(cellId(rows.length - 1, columns[0].id));
    status("Row " + rows.length + " added: fill in its cells.");
    scheduleCheck(0);
  }

  // -- Problems at their cells --------------------------------------------------------------
  function clearProblems() {
    tbody.querySelectorAll(".cell-problem").forEach(function (p) { p.remove(); });
    tbody.querySelectorAll(".has-problem").forEach(function (c) { c.classList.remove("has-problem"); });
    tbody.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); f.removeAttribute("aria-describedby"); });
  }

  function showProblems(check) {
    clearProblems();
    var tableLevel = [];
    var n = 0;
    (check.cells || []).forEach(function (p) {
      if (p.row === null || p.row === undefined) { tableLevel.push(p.message); return; }
      var tr = tbody.querySelector('tr[data-row="' + p.row + '"]');
      if (!tr) { tableLevel.push(p.text); return; }
      var column = p.column || "";
      var field = null;
      var holder = null;
      if (column.indexOf("because") === 0) {
        holder = tr.querySelector('td[data-column="because"]');
        field = column.indexOf(":") > 0 ? document.getElementById(cellId(p.row, column)) : holder.querySelector("textarea");
      } else if (column) {
        holder = tr.querySelector('td[data-column="' + column + '"]');
        field = holder ? holder.querySelector("input") : null;
      }
      if (!holder) { holder = tr.querySelector("th"); }
      var id = "problem-" + (n++);
      var msg = el("p", { "class": "cell-problem", id: id }, p.message);
      holder.appendChild(msg);
      holder.classList.add("has-problem");
      if (field) {
        field.setAttribute("aria-invalid", "true");
        var described = field.getAttribute("aria-describedby");
        field.setAttribute("aria-describedby", (described ? described + " " : "") + id);
      }
    });
    problemsEl.textContent = "";
    problemsEl.classList.toggle("has-problems", tableLevel.length > 0);
    if (tableLevel.length) {
      problemsEl.appendChild(el("h3", {}, "Problems in the table's columns"));
      var ul = el("ul", { "class": "problem-list" });
      tableLevel.forEach(function (m) { ul.appendChild(el("li", {}, m)); });
      problemsEl.appendChild(ul);
    }
    findingsEl.textContent = "";
    if ((check.findings || []).length) {
      findingsEl.appendChild(el("h3", {}, "Notes"));
      var fl = el("ul");
      check.findings.forEach(function (f) { fl.appendChild(el("li", { "class": "finding-" + f.kind }, f.message)); });
      findingsEl.appendChild(fl);
    }
  }

  function summary(check) {
    var count = (check.cells || []).length;
    var others = check.others ? " " + check.others + " problem" + (check.others === 1 ? "" : "s") + " elsewhere in the draft." : "";
    if (count) { return count + " problem" + (count === 1 ? "" : "s") + " in this table, shown at " + (count === 1 ? "its cell" : "their cells") + "." + others; }
    return "Checked: no problems in this table." + others;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": window.recommenderCsrfToken || "" },
      credentials: "same-origin"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (d) { return { status: r.status, ok: r.ok, data: d }; });
    });
  }

  function runCheck() {
    var seq = ++checkSeq;
    return post(card.getAttribute("data-check-url"), { rows: collect() }).then(function (res) {
      if (seq !== checkSeq) { return; }
      if (!res.ok) { status("The check did not run: " + (res.data.error || "the server answered " + res.status) + ".", "error"); return; }
      showProblems(res.data);
      status(summary(res.data) + (dirty ? " Not saved yet." : ""), res.data.ok ? "ok" : "error");
    }).catch(function () { status("The check did not run: the server could not be reached.", "error"); });
  }

  function scheduleCheck(delay) {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(runCheck, delay === undefined ? 500 : delay);
  }

  function save() {
    var button = document.getElementById("save-grid");
    button.disabled = true;
    clearTimeout(checkTimer);
    checkSeq++;  // a check still on its way answers for rows older than these
    status("Saving\u2026");
    post(card.getAttribute("data-save-url"), { rows: collect(), checksum: checksum }).then(function (res) {
      if (res.status === 400 && res.data.cells) {
        showProblems(res.data);
        status(res.data.error + " " + summary(res.data), "error");
        var bad = tbody.querySelector('[aria-invalid="true"]');
        if (bad) { bad.focus(); }
        return;
      }
      if (!res.ok) { status("Not saved: " + (res.data.error || "the server answered " + res.status) + ".", "error"); return; }
      checksum = res.data.checksum;
      dirty = false;
      rows.forEach(function (row, i) { row.orig = i; row.line = 0; });
      render();
      showProblems(res.data);
      status("Saved to your draft." + (res.data.others ? " " + res.data.others + " problem" + (res.data.others === 1 ? "" : "s") + " elsewhere in the draft (see the editor)." : " Preview its impact or publish it from the tabs above."), "ok");
    }).catch(function () { status("Not saved: the server could not be reached.", "error"); })
      .finally(function () { button.disabled = false; });
  }

  // -- Keyboard and change handling ---------------------------------------------------------
  tbody.addEventListener("input", function (evt) {
    var field = evt.target;
    if (!field.hasAttribute("data-key")) { return; }
    if (update(field)) { scheduleCheck(800); }
  });
  tbody.addEventListener("change", function (evt) {
    if (evt.target.hasAttribute("data-key")) { update(evt.target); scheduleCheck(0); }
  });
  tbody.addEventListener("focusin", function (evt) {
    var field = evt.target;
    if (field.hasAttribute("data-key")) { field.setAttribute("data-start", field.value); }
  });
  tbody.addEventListener("keydown", function (evt) {
    var field = evt.target;
    if (!field.hasAttribute("data-key")) { return; }
    if (evt.key === "Escape") {
      field.value = field.getAttribute("data-start") || "";
      update(field);
      scheduleCheck(0);
      evt.preventDefault();
      return;
    }
    if (evt.key === "Enter" && field.tagName === "INPUT") {
      evt.preventDefault();
      update(field);
      field.setAttribute("data-start", field.value);
      scheduleCheck(0);
      var r = parseInt(field.getAttribute("data-row"), 10);
      var below = document.getElementById(cellId(r + 1, field.getAttribute("data-key")));
      if (below) { below.focus(); }
    }
  });
  document.getElementById("add-row").addEventListener("click", addRow);
  document.getElementById("save-grid").addEventListener("click", save);
  window.addEventListener("beforeunload", function (evt) {
    if (dirty) { evt.preventDefault(); evt.returnValue = ""; }
  });

  document.getElementById("grid-actions").hidden = false;
  document.getElementById("grid-help").hidden = false;
  render();
  showProblems(data.check);
})();
