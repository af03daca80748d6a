/*
 * Tsunagu forms: show a conditional question only when its condition holds.
 *
 * Progressive enhancement only: without JavaScript every conditional question on the
 * page is shown with a sentence saying when to answer it, and the server ignores the
 * answers whose conditions do not hold. The conditions are those of the procedure
 * definition, rendered by the server as data-when='{"field": name, "equals": value}'.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-conditions]");
  if (!form) {
    return;
  }
  var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-when]"));
  if (!blocks.length) {
    return;
  }

  function valuesOf(name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) {
      return null; // the question is not on this page: leave the block to the server
    }
    var out = [];
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) {
          out.push(input.value);
        }
      } else if (input.value.trim() !== "") {
        out.push(input.value);
      }
    });
    return out;
  }

  function asFormValue(value) {
    if (value === true) {
      return "yes";
    }
    if (value === false) {
      return "no";
    }
    return String(value);
  }

  function holds(rule) {
    if (rule.all) {
      return rule.all.every(holds);
    }
    if (rule.any) {
      return rule.any.some(holds);
    }
    if (rule.not) {
      return !holds(rule.not);
    }
    var values = valuesOf(rule.field);
    if (values === null) {
      return true;
    }
    if ("filled" in rule) {
      return (values.length > 0) === rule.filled;
    }
    if ("equals" in rule) {
      return values.indexOf(asFormValue(rule.equals)) !== -1;
    }
    if ("not_equals" in rule) {
      return values.indexOf(asFormValue(rule.not_equals)) === -1;
    }
    if ("in" in rule) {
      return rule["in"].some(function (v) {
        return values.indexOf(asFormValue(v)) !== -1;
      });
    }
    return true;
  }

  function update() {
    blocks.forEach(function (block) {
      var rule;
      try {
        rule = JSON.parse(block.getAttribute("data-when"));
      } catch (e) {
        return;
      }
      var show = holds(rule);
      block.hidden = !show;
      var hint = block.querySelector(".field__condition");
      if (hint) {
        hint.hidden = true; // the page now shows and hides the question itself
      }
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();

/*
 * Autosave: a few seconds after the resident changes an answer, the step is saved in
 * the background with the same rules as 「保存して中断する」 (only when every typed value
 * is valid). Without JavaScript the step is saved by its buttons.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var status = document.querySelector("[data-autosave-status]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var timer = null;
  function save() {
    var data = new FormData(form);
    data.set("action", "save");
    fetch(form.getAttribute("action") || window.location.pathname, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Tsunagu-Autosave": "1" }
    }).then(function (response) {
      if (status && response.ok) {
        var now = new Date();
        var hh = String(now.getHours()).padStart(2, "0");
        var mm = String(now.getMinutes()).padStart(2, "0");
        status.textContent = status.getAttribute("data-saved-text").replace("{time}", hh + ":" + mm);
      }
    }).catch(function () {});
  }
  form.addEventListener("change", function (event) {
    if (event.target && event.target.type === "file") {
      return;
    }
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(save, 2000);
  });
})();

/*
 * Switching the language from a form page: save what was typed first (the language
 * switch is a separate form, so its submission would otherwise leave the answers
 * behind). Without JavaScript the answers stay on the page only until it is left.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  Array.prototype.forEach.call(document.querySelectorAll(".lang-switch__form"), function (sw) {
    sw.addEventListener("submit", function (event) {
      if (sw.getAttribute("data-saved") === "1") {
        return;
      }
      event.preventDefault();
      var data = new FormData(form);
      data.set("action", "save");
      var done = function () {
        sw.setAttribute("data-saved", "1");
        sw.submit();
      };
      fetch(form.getAttribute("action") || window.location.pathname, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Tsunagu-Autosave": "1" }
      }).then(done, done);
    });
  });
})();
