/*
 * Tsunagu: progressive enhancement only. Every page works without this file.
 *
 * When a form comes back with errors, put the keyboard and screen-reader focus on the
 * error summary, so the resident hears what to fix first. The markup already asks for
 * this (autofocus, tabindex="-1"); this covers browsers that ignore autofocus on a div.
 */
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (!summary || document.activeElement === summary) {
    return;
  }
  if (!summary.hasAttribute("tabindex")) {
    summary.setAttribute("tabindex", "-1");
  }
  summary.focus();
})();
