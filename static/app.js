// Loaded synchronously as the first element of <body>, so it must not wait for the DOM.
// CSP forbids inline scripts, so the GOV.UK "js-enabled" body classes are set here.
(function () {
  "use strict";

  var body = document.body;
  body.classList.add("js-enabled");
  // GOV.UK Frontend v5 only initialises in browsers that understand ES modules.
  if ("noModule" in HTMLScriptElement.prototype) {
    body.classList.add("govuk-frontend-supported");
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Litestar's CSRF middleware reads the token from this header on unsafe htmx requests.
  // Read it per request so a page swapped in by htmx never leaves a stale token behind.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["x-csrftoken"] = token;
    }
  });

  // Destructive actions ask on a confirmation page (registry/web/confirm.py), never in a
  // browser dialog, so the same question is asked with or without JavaScript.

  // A form re-rendered with its errors answers 400 with HTML (the same partial, now showing what
  // is wrong); htmx leaves error responses unswapped by default, so swap those in place too.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var type = xhr && xhr.getResponseHeader("Content-Type");
    if (xhr && xhr.status === 400 && type && type.indexOf("text/html") === 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Move focus to content that htmx swapped in when it asks for it (e.g. new results heading),
  // so screen reader users learn that the page changed.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    var focusable = target && target.querySelector && target.querySelector("[data-focus-on-swap]");
    if (focusable) {
      if (!focusable.hasAttribute("tabindex")) {
        focusable.setAttribute("tabindex", "-1");
      }
      focusable.focus();
    }
  });
})();
