// Shared front-end glue: send the CSRF token with every htmx and fetch request.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : null;
  window.recommenderCsrfToken = token;
  document.addEventListener("htmx:configRequest", function (evt) {
    if (token) { evt.detail.headers["X-CSRFToken"] = token; }
  });
})();
