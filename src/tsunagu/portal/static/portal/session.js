/*
 * Tsunagu: warn a logged-in resident two minutes before the idle timeout, and let them
 * stay logged in. Progressive enhancement: without JavaScript the server still ends an
 * idle session, and drafts stay saved either way.
 */
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box || !window.fetch) {
    return;
  }
  var idle = parseInt(box.getAttribute("data-idle-seconds"), 10) || 1800;
  var warnAfter = Math.max(idle - 120, 30) * 1000;
  var timer = null;
  function arm() {
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(function () {
      box.hidden = false;
      var button = box.querySelector("button");
      if (button) {
        button.focus();
      }
    }, warnAfter);
  }
  box.querySelector("form").addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(event.target);
    fetch(event.target.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) {
          box.hidden = true;
          arm();
        } else {
          window.location.reload();
        }
      })
      .catch(function () {});
  });
  arm();
})();
