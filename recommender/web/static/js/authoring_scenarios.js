// Scenario editor: #L12 (or #L12C5) in the address (from a refused publish) opens the
// scenarios at that line. Runs after authoring.js has turned the textarea into CodeMirror.
(function () {
  "use strict";
  var hash = window.location.hash.match(/^#L(\d+)(?:C(\d+))?$/);
  var wrapper = document.querySelector('.CodeMirror[data-editor-for="scenarios-text"]');
  if (!hash || !wrapper || !wrapper.CodeMirror) { return; }
  var cm = wrapper.CodeMirror;
  var pos = { line: Math.max(0, parseInt(hash[1], 10) - 1), ch: Math.max(0, parseInt(hash[2] || "1", 10) - 1) };
  cm.focus();
  cm.setCursor(pos);
  cm.scrollIntoView(pos, 80);
})();
