/* Plan Portal: small behaviours shared by every page. No framework, no inline
 * handlers (the Content-Security-Policy forbids them): everything is wired here
 * by delegated listeners, so content swapped in by htmx works too.
 *
 *   data-confirm="Question?"  on a <form>, a submit button, a link or an htmx
 *                             button: ask before going on.
 *   data-autosubmit           on a <select> or <input>: submit its form on change.
 *   data-date-input           on a text <input>: a date typed dd/mm/yyyy whatever
 *                             the browser's language (slashes added while typing,
 *                             "2/3/2020" completed to "02/03/2020" on leaving).
 */
(function () {
  "use strict";

  // --- Confirm dialogs ------------------------------------------------------
  // Form submissions: the submitter's question wins over the form's, so a form
  // and its button never ask twice. Capture phase runs before htmx's handler.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) ||
      form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Links and buttons that do not submit a form (for example hx-post buttons).
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (!el || el.tagName === "FORM") {
      return;
    }
    var submitsForm = el.form && (el.type === "submit" || el.type === "image");
    if (submitsForm) {
      return; // handled by the submit listener above
    }
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // --- Auto-submit ------------------------------------------------------------
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("select[data-autosubmit], input[data-autosubmit]")) {
      return;
    }
    var form = el.form;
    if (!form) {
      return;
    }
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(); // fires "submit", so htmx forms and data-confirm work
    } else {
      form.submit();
    }
  });

  // --- htmx ---------------------------------------------------------------------
  // --- Dates as dd/mm/yyyy -------------------------------------------------
  // A text field instead of <input type=date>, whose order follows the
  // browser's language (10/02/2020 in an American browser for 2 October).
  function pad(part) { return part.length === 1 ? "0" + part : part; }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("[data-date-input]") || event.inputType === "deleteContentBackward") {
      return;
    }
    // Only a value typed in fixed widths (dd, mm, yyyy) is completed; "2/3/2020" is left as typed.
    var digits = el.value.replace(/[^0-9]/g, "");
    if (/^\d{2}\/?\d{0,2}\/?\d{0,4}$/.test(el.value) && digits.length >= 3 && digits.length <= 8) {
      el.value = digits.slice(0, 2) + "/" + digits.slice(2, 4) + (digits.length > 4 ? "/" + digits.slice(4) : "");
    }
  });
  document.addEventListener("focusout", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("[data-date-input]")) {
      return;
    }
    var m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(el.value.trim());
    if (m) {
      el.value = pad(m[1]) + "/" + pad(m[2]) + "/" + m[3];
    }
  });

  // --- Inline update form: focus where a person expects ---------------------
  // Opened (by click or Enter): focus its first field. Saved or cancelled: back to the
  // row's Update button, not the top of the page. Escape closes it (its Cancel button).
  document.addEventListener("htmx:afterSettle", function (event) {
    // outerHTML swap: the row's new <tbody> carries the old one's id.
    var id = event.detail && event.detail.target && event.detail.target.id;
    var group = id ? document.getElementById(id) : null;
    if (!group || !group.classList.contains("task-group")) {
      return;
    }
    var field = group.querySelector(".task-inline-form select, .task-inline-form input:not([type=hidden]), .task-inline-form textarea");
    var invalid = group.querySelector(".task-inline-form [aria-invalid=true]");
    var target = invalid || field || group.querySelector("[data-testid=open-update]") ||
      group.querySelector("a");
    if (target) {
      target.focus();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var form = event.target.closest && event.target.closest(".task-inline-form");
    var cancel = form && form.querySelector("[data-inline-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  // --- Filters folded on a phone ----------------------------------------------
  // <details open data-fold-on-phone>: open without JavaScript and on wide screens; on a phone the
  // list comes first and the filters open from their summary.
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia("(max-width: 767.98px)").matches) {
      document.querySelectorAll("details[data-fold-on-phone]").forEach(function (el) {
        el.removeAttribute("open");
      });
    }
  });

  if (window.htmx) {
    // Swap 409 (conflict) and 422 (validation errors) bodies like a 200, so a
    // form comes back with its errors; other 4xx/5xx stay errors.
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409", swap: true, error: false },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true }
    ];
    // htmx would inject an inline <style> for .htmx-indicator, which the CSP
    // blocks; portal.css carries the same rules.
    window.htmx.config.includeIndicatorStyles = false;
  }
})();
