// Pre-qualification: a "Copy link" button for the resume link. Without JavaScript the
// button stays hidden and the read-only field can be selected and copied by hand.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy-target]");
  Array.prototype.forEach.call(buttons, function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) { return; }
    var status = button.closest(".field") && button.closest(".field").querySelector(".pq-copy-status");
    button.hidden = false;
    var settled = false;
    function done(message) {
      settled = true;
      if (status) { status.textContent = message; }
    }
    button.addEventListener("click", function () {
      input.focus();
      input.select();
      settled = false;
      // A clipboard promise that never settles (no permission prompt answered) still
      // leaves the prospect with advice after a moment.
      window.setTimeout(function () {
        if (!settled) { done("Press Ctrl+C (or Cmd+C) to copy the selected link."); }
      }, 1500);
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(
          function () { done("Link copied."); },
          function () { done("Press Ctrl+C (or Cmd+C) to copy the selected link."); }
        );
      } else {
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        done(ok ? "Link copied." : "Press Ctrl+C (or Cmd+C) to copy the selected link.");
      }
    });
  });
  // Move focus to the error summary so keyboard and screen-reader users land on it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();

// Country lists: a type-ahead with removable chips instead of a Ctrl-click multi-select.
// The <select multiple> stays in the form (hidden) and carries the value; without
// JavaScript it is used as is. The new text box takes over the select's id, so the label,
// the error summary link and aria-describedby keep pointing at what the prospect types in.
(function () {
  "use strict";
  var selects = document.querySelectorAll("select[multiple]");
  Array.prototype.forEach.call(selects, function (select, n) {
    var id = select.id;
    var matcher = window.recommenderCountryMatcher(select, id + "-countries");
    var options = matcher.options;
    var datalist = matcher.datalist;
    var match = matcher.match;  // see countries.js
    var input = document.createElement("input");
    input.type = "text";
    input.setAttribute("list", datalist.id);
    input.setAttribute("autocomplete", "off");
    input.placeholder = "Type a country, then Enter";
    ["aria-describedby", "aria-invalid", "aria-required"].forEach(function (a) {
      if (select.hasAttribute(a)) { input.setAttribute(a, select.getAttribute(a)); }
    });
    select.id = id + "-select";
    input.id = id;
    select.hidden = true;
    select.setAttribute("tabindex", "-1");
    var chips = document.createElement("ul");
    chips.className = "pq-chips";
    chips.setAttribute("aria-label", "Chosen countries");
    var status = document.createElement("p");
    status.className = "help";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(chips, select);
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(datalist, select);
    select.parentNode.insertBefore(status, select);
    var help = document.getElementById(id + "-help");
    if (help) { help.textContent = help.textContent.replace(/\s*On a computer, hold Ctrl \(or Cmd\) to choose several\./, "") + " Type a country and press Enter; add as many as you need."; }

    function render() {
      chips.textContent = "";
      options.forEach(function (o) {
        if (!o.selected) { return; }
        var li = document.createElement("li");
        li.appendChild(document.createTextNode(o.text + " "));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove " + o.text);
        remove.addEventListener("click", function () {
          o.selected = false;
          render();
          status.textContent = o.text + " removed.";
          input.focus();
        });
        li.appendChild(remove);
        chips.appendChild(li);
      });
    }
    function add(exactOnly) {
      var o = match(input.value, exactOnly);
      if (!o) { return false; }
      o.selected = true;
      input.value = "";
      render();
      status.textContent = o.text + " added.";
      return true;
    }
    input.addEventListener("input", function (ev) {
      // Picking from the suggestion list inserts the whole "Name (CC)" text.
      if (ev.inputType === undefined || ev.inputType === "insertReplacementText") { add(true); }
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        // Enter adds the country; with an empty box it submits the step as usual.
        if (input.value.trim() === "") { return; }
        ev.preventDefault();
        if (!add(false)) { status.textContent = "No country matches “" + input.value.trim() + "”."; }
      } else if (ev.key === "Backspace" && input.value === "") {
        var chosen = options.filter(function (o) { return o.selected; });
        if (chosen.length) { chosen[chosen.length - 1].selected = false; render(); }
      }
    });
    // A country typed but not yet added when the step is submitted still counts.
    if (select.form) {
      select.form.addEventListener("submit", function () { if (input.value.trim()) { add(false); } });
    }
    render();
    void n;
  });
})();
