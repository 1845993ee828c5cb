// Search page: on narrow screens the filter panel is collapsed behind a "Show filters" button
// (CSS hides it while the body has js-enabled and the panel lacks app-facets--open). The
// choice survives htmx swapping the results region, which re-renders the button and panel.
// Without JavaScript the button is never shown and the panel stays open.
(function () {
  "use strict";

  var open = false;

  function apply() {
    var button = document.querySelector("[data-filters-toggle]");
    var panel = document.getElementById("search-filters");
    if (!button || !panel) {
      return;
    }
    panel.classList.toggle("app-facets--open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var text = button.querySelector("[data-filters-toggle-text]");
    if (text) {
      text.textContent = open ? "Hide filters" : "Show filters";
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("[data-filters-toggle]");
    if (!button) {
      return;
    }
    open = !open;
    apply();
  });
  // After settling: htmx copies the old attributes onto elements with the same id while it swaps.
  document.addEventListener("htmx:afterSettle", apply);
  apply();
})();
