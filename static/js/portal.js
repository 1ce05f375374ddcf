// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so screen readers announce it; else to the page's messages (what the last
  // action did), else, right after a form was sent, to the page's heading instead of the top of the page.
  var submitted = takeSubmittedFlag();
  var summary = document.querySelector("[data-error-summary]");
  var messages = document.querySelector("[data-messages]");
  var heading = document.querySelector("main h1");
  if (summary) {
    summary.focus();
  } else if (messages) {
    messages.focus();
  } else if (submitted && heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
  // A table that scrolls sideways must be reachable with the keyboard to be scrolled.
  function markScrollableTables() {
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) {
        table.setAttribute("tabindex", "0");
      } else {
        table.removeAttribute("tabindex");
      }
    });
  }
  markScrollableTables();
  window.addEventListener("resize", markScrollableTables);

  // A form is sent once: a second click (or Enter) while the first submission is on its way is ignored and
  // its buttons are disabled. The server guards too ({% submission_token %}); this only spares the request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) { return; }  // sent by another script
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    if (form.dataset.submitting) { event.preventDefault(); return; }
    form.dataset.submitting = "1";
    markSubmitted();
    // Disable after this event: a disabled submitter would be left out of the data sent.
    window.setTimeout(function () {
      form.querySelectorAll(SUBMIT_BUTTONS).forEach(function (button) {
        if (!button.disabled) { button.disabled = true; button.dataset.disabledBySubmit = "1"; }
      });
    }, 0);
    // A response that is a download leaves the page in place: let the form be used again after a while, and
    // let the next page reached by a link not take it for the page after this form.
    window.setTimeout(function () { enableForm(form); takeSubmittedFlag(); }, 15000);
  });
  // A page reached by a link does not follow a form (a form whose answer was a download stays on its page).
  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("a[href]")) { takeSubmittedFlag(); }
  });
});

// The page after a sent form (redirect or not) knows it follows one: it moves focus to what changed.
var SUBMITTED_KEY = "portal-form-submitted";

function markSubmitted() {
  try { window.sessionStorage.setItem(SUBMITTED_KEY, "1"); } catch (e) { /* storage off: focus stays at the top */ }
}

function takeSubmittedFlag() {
  try {
    var flag = window.sessionStorage.getItem(SUBMITTED_KEY);
    window.sessionStorage.removeItem(SUBMITTED_KEY);
    return flag === "1";
  } catch (e) {
    return false;
  }
}

var SUBMIT_BUTTONS = "button[type=submit], button:not([type]), input[type=submit]";

function enableForm(form) {
  delete form.dataset.submitting;
  form.querySelectorAll("[data-disabled-by-submit]").forEach(function (button) {
    button.disabled = false;
    delete button.dataset.disabledBySubmit;
  });
}

// Back to a page kept in the browser's cache: its forms may be used again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitting]").forEach(enableForm);
});
