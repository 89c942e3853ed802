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

// Country lists: chips and a type-ahead box (countries.js) instead of a Ctrl-click
// multi-select. The <select multiple> stays in the form (hidden) and carries the value; without
// JavaScript it is used as is. The text box takes over the select's id, so the label, the
// error summary link and aria-describedby keep pointing at what the prospect types in.
// Enter with an empty box submits the step as usual.
(function () {
  "use strict";
  var selects = document.querySelectorAll("select[multiple]");
  Array.prototype.forEach.call(selects, function (select) {
    var id = select.id;
    var box = window.recommenderCountryBox(select, { chipsClass: "pq-chips", chipsLabel: "Chosen countries" });
    var help = document.getElementById(id + "-help");
    if (help) { help.textContent = help.textContent.replace(/\s*On a computer, hold Ctrl \(or Cmd\) to choose several\./, "") + " Type a country and press Enter; add as many as you need."; }
    // A country typed but not yet added when the step is submitted still counts.
    if (select.form) {
      select.form.addEventListener("submit", function () { box.commitTyped(false); });
    }
  });
})();
