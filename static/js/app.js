// Small enhancements; every page works without them.
(function () {
  "use strict";
  var body = document.body;

  // Shared terminals: leave nothing personal on screen when nobody is using it.
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (idle > 0) {
    var timer;
    var reset = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { location.replace(body.getAttribute("data-idle-url")); }, idle * 1000);
    };
    ["keydown", "pointerdown", "input", "scroll"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    reset();
  }

  // One click, one submission: disable the button once the form is on its way.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && !event.defaultPrevented) {
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });

  // "Tick all": one box ticks every box of its group on the page.
  document.addEventListener("change", function (event) {
    var group = event.target.getAttribute && event.target.getAttribute("data-select-all");
    if (!group) { return; }
    document.querySelectorAll('input[type=checkbox][name="' + group + '"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });

  // Print buttons need JavaScript, so they are only shown when it runs.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // After a failed submission, take the reader to the list of problems.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // A summary link leads to its input (browsers focus it without us); show the input's label and message too.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a");
    var input = link && document.getElementById(link.hash.slice(1));
    if (!input) { return; }
    event.preventDefault();
    input.focus({ preventScroll: true });
    (input.closest(".field") || input).scrollIntoView();
  });
})();
// Coming Back to a page (or a failed slow submission): buttons must work again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("button[disabled]").forEach(function (b) { b.disabled = false; });
});
