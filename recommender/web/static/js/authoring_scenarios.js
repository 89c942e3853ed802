// Scenario editors (one feature, or all of them as one file): #L12 (or #L12C5) in the
// address (from a run on the features list or a refused publish) opens the text at that
// line, with the start of the line in view. Runs after authoring.js has turned the textarea
// into CodeMirror; without JavaScript the links open the page at its editor.
(function () {
  "use strict";
  var hash = window.location.hash.match(/^#L(\d+)(?:C(\d+))?$/);
  var wrapper = document.querySelector('.CodeMirror[data-editor-for="scenarios-text"]');
  if (!hash || !wrapper || !wrapper.CodeMirror) { return; }
  var cm = wrapper.CodeMirror;
  var line = Math.max(0, Math.min(parseInt(hash[1], 10) - 1, cm.lineCount() - 1));
  var pos = { line: line, ch: Math.max(0, parseInt(hash[2] || "1", 10) - 1) };
  cm.focus();
  cm.setCursor(pos, null, { scroll: false });
  var info = cm.getScrollInfo();
  var top = cm.heightAtLine(line, "local");
  cm.scrollTo(0, Math.max(0, top - info.clientHeight / 3));
  wrapper.scrollIntoView({ block: "center" });
})();
