// The readout page: the framed readout document grows to its full height (one scroll bar,
// the page's), the new share link can be copied, and PDF links say that they take a moment.
// Without JavaScript the frame keeps a fixed height and scrolls on its own.
(function () {
  "use strict";
  var frame = document.getElementById("readout-frame");
  function fit() {
    try {
      var doc = frame.contentDocument;
      if (!doc || !doc.documentElement) { return; }
      frame.style.height = doc.documentElement.scrollHeight + "px";
      frame.classList.add("fitted");
    } catch (err) { /* not same-origin: keep the fixed height */ }
  }
  if (frame) {
    frame.addEventListener("load", fit);
    window.addEventListener("resize", fit);
    fit();
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) { return; }
      input.focus();
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          if (document.execCommand("copy")) { done(); }
        });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });
  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  // "Share" in the toolbar jumps to the share panel: open it on the way.
  var panel = document.getElementById("share");
  function openShare() {
    if (panel && window.location.hash === "#share") { panel.open = true; }
  }
  document.querySelectorAll("a[href='#share']").forEach(function (a) {
    a.addEventListener("click", function () { if (panel) { panel.open = true; } });
  });
  window.addEventListener("hashchange", openShare);
  openShare();

  var wait = document.querySelector("[data-pdf-wait]");
  document.querySelectorAll("a[data-pdf]").forEach(function (a) {
    a.addEventListener("click", function () {
      if (!wait) { return; }
      wait.hidden = false;
      window.setTimeout(function () { wait.hidden = true; }, 15000);
    });
  });
})();
