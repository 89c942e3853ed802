// A background job's page (impact preview, lint): poll the job's status and move the
// progress bar and its text; when the job ends, reload to show the stored result. Without
// JavaScript the page refreshes itself (meta refresh in <noscript>).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !box.dataset.statusUrl) return;
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-text");
  var url = box.dataset.statusUrl;
  var delay = 700;

  function show(info) {
    if (info.total) {
      bar.max = info.total;
      bar.value = info.done;
    }
    text.textContent = info.text;
    box.dataset.state = info.state;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (resp) {
        if (!resp.ok) throw new Error("status " + resp.status);
        return resp.json();
      })
      .then(function (info) {
        show(info);
        if (info.state === "queued" || info.state === "running") {
          delay = 700;
          window.setTimeout(poll, delay);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        // The server or the network is away for a moment: try again, less often.
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
