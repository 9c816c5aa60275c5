// Small enhancements; every page works without them.
(function () {
  "use strict";
  var body = document.body;

  // Idle pages clear themselves (bastau/web.py page_context): first an "are you still there?" warning with a
  // countdown and a button to go on; then the page goes to the session-ended page, which ends the session.
  // On a shared terminal the clock also runs on a page with anything typed in it, before any session exists.
  // Using the page (or the button) tells the server too, at most once a minute, so that both clocks agree.
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var terminalIdle = parseInt(body.getAttribute("data-terminal-idle-seconds") || "0", 10);
  var dialog = document.getElementById("idle-warning");
  if ((idle > 0 || terminalIdle > 0) && dialog) {
    var warnFor = parseInt(body.getAttribute("data-idle-warning-seconds") || "60", 10);
    var endTimer, warnTimer, tick, endsAt = 0, lastPing = Date.now(), before = null;
    var countdown = document.getElementById("idle-countdown");
    var goOn = document.getElementById("idle-continue");
    var typed = function () {
      return Array.prototype.some.call(document.querySelectorAll("main input, main textarea, main select"), function (f) {
        if (f.type === "hidden" || f.type === "submit" || f.type === "button" || f.disabled) { return false; }
        if (f.type === "checkbox" || f.type === "radio") { return f.checked !== f.defaultChecked; }
        if (f.tagName === "SELECT") { return f.value !== "" && !f.options[f.selectedIndex].defaultSelected; }
        return f.value.trim() !== "";  // also what a refused form shows again (an IIN typed before)
      });
    };
    var limit = function () { return idle > 0 ? idle : (typed() ? terminalIdle : 0); };
    var token = function () {
      var own = body.getAttribute("data-keepalive-token");
      var field = document.querySelector('input[name="csrf_token"]');
      return own || (field && field.value) || "";
    };
    var ping = function () {
      var csrf = token();
      if (!csrf || !window.fetch) { return; }
      lastPing = Date.now();
      fetch(body.getAttribute("data-keepalive-url"), {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf }
      }).catch(function () {});
    };
    var clear = function () { location.replace(body.getAttribute("data-idle-url")); };
    var show = function () {
      before = document.activeElement;
      dialog.hidden = false;
      body.classList.add("idle-warned");
      goOn.focus();
      var draw = function () {
        var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
        countdown.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      };
      draw();
      tick = setInterval(draw, 1000);
    };
    var hide = function () {
      if (dialog.hidden) { return; }
      dialog.hidden = true;
      body.classList.remove("idle-warned");
      clearInterval(tick);
      if (before && before.focus && before !== body) { before.focus(); }
    };
    var start = function () {
      clearTimeout(endTimer); clearTimeout(warnTimer);
      var seconds = limit();
      if (!seconds) { return; }
      var warn = Math.min(warnFor, Math.floor(seconds / 2));
      endsAt = Date.now() + seconds * 1000;
      warnTimer = setTimeout(show, (seconds - warn) * 1000);
      endTimer = setTimeout(clear, seconds * 1000);
    };
    var active = function () {
      if (!dialog.hidden) { return; }  // the warning is up: only its button (or Escape) goes on
      if (idle > 0 && Date.now() - lastPing > 60000) { ping(); }
      start();
    };
    goOn.addEventListener("click", function () { hide(); ping(); start(); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); hide(); ping(); start(); }
      if (event.key === "Tab") { event.preventDefault(); goOn.focus(); }  // one button: keep the focus on it
    });
    ["keydown", "pointerdown", "input", "change", "scroll"].forEach(function (name) {
      document.addEventListener(name, active, { passive: true });
    });
    window.addEventListener("pageshow", start);
    start();
  }

  // The language switch on a page whose form has something typed in it (and no form-bound switch of its own,
  // see bastau/i18n.py): send that form to the language endpoint, which keeps it and shows the page again.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-keep-typed]");
    if (!link) { return; }
    var form = Array.prototype.find.call(document.querySelectorAll("main form"), function (f) {
      if ((f.getAttribute("method") || "get").toLowerCase() !== "post" || !f.querySelector('input[name="csrf_token"]')) {
        return false;
      }
      if (Array.prototype.some.call(f.querySelectorAll("input[type=file]"), function (i) { return i.files.length; })) {
        return false;  // a chosen file cannot be kept: the plain link, as before
      }
      return Array.prototype.some.call(f.elements, function (e) {
        if (e.type === "checkbox" || e.type === "radio") { return e.checked !== e.defaultChecked; }
        if (e.tagName === "SELECT") { return e.selectedIndex >= 0 && !e.options[e.selectedIndex].defaultSelected; }
        return (e.tagName === "TEXTAREA" || e.tagName === "INPUT") && e.type !== "hidden" && e.value !== e.defaultValue;
      });
    });
    if (!form) { return; }
    event.preventDefault();
    // A plain copy of the form's values, sent with submit() (no submit event: htmx and page scripts stay out).
    var copy = document.createElement("form");
    copy.method = "post"; copy.action = link.getAttribute("data-keep-typed"); copy.hidden = true;
    var add = function (name, value) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = name; input.value = value;
      copy.appendChild(input);
    };
    new FormData(form).forEach(function (value, name) { if (typeof value === "string") { add(name, value); } });
    add("_lang", link.getAttribute("lang"));
    document.body.appendChild(copy);
    copy.submit();
  });

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

  // A summary link leads to its input (browsers focus it without us: the links name the first input itself, see
  // templates/_macros.html input_id); a link to a group (a fieldset) leads to the group's first control. Here the
  // input's label and message are shown too, which the browser's own jump would scroll away.
  var CONTROLS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled])";
  var firstControl = function (target) {
    return target.matches(CONTROLS) ? target : target.querySelector(CONTROLS);
  };
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a");
    var target = link && link.hash && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    var input = target && firstControl(target);
    if (!input) { return; }
    event.preventDefault();
    input.focus({ preventScroll: true });
    (input.closest(".field, fieldset") || input).scrollIntoView();
  });
})();
// Coming Back to a page (or a failed slow submission): buttons must work again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("button[disabled]").forEach(function (b) { b.disabled = false; });
});

// ---- htmx answers (helper e-staff-forms) ----
// A refused action (422) is swapped in like a success (see responseHandling in base.html); any other error is not
// swapped, so its message (templates/errors/_message.html) is shown above the part of the page that was to change,
// and nothing typed or ticked is lost. A message that comes with an answer is scrolled into view and read out.
(function () {
  "use strict";
  function reveal(box) {
    if (!box) { return; }
    if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "-1"); }
    box.focus({ preventScroll: true });
    var place = box.getBoundingClientRect();
    if (place.top < 0 || place.bottom > window.innerHeight) { box.scrollIntoView({ block: "center" }); }
  }
  function answerBox(target) {
    var anchor = (target && target.closest && target.closest("[id]")) || document.getElementById("main");
    var box = document.getElementById("htmx-answer");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-answer";
      box.setAttribute("role", "alert");
    }
    if (anchor && anchor.parentNode && box.nextElementSibling !== anchor) {
      anchor.parentNode.insertBefore(box, anchor);
    }
    return box;
  }
  // Only an answer to a submitted form moves the focus: a field that asks as one types (the IIN) keeps it.
  function submitted(detail) {
    var config = detail && detail.requestConfig;
    return !!(config && config.elt && config.elt.tagName === "FORM");
  }
  function show(detail, panel) {
    var box = answerBox(detail.target);
    box.replaceChildren(panel);
    if (submitted(detail)) { reveal(panel); }
  }
  function panelOf(text) {
    var panel = document.createElement("p");
    panel.className = "panel error-panel";
    panel.textContent = text;
    return panel;
  }
  document.addEventListener("htmx:beforeRequest", function () {
    var old = document.getElementById("htmx-answer");
    if (old) { old.remove(); }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var found = doc.querySelector("[data-htmx-error]") || doc.querySelector("main h1");
    var panel = found ? document.importNode(found, true) : panelOf(String(xhr.status));
    if (found && found.tagName === "H1") { panel = panelOf(found.textContent); }
    show(event.detail, panel);
  });
  document.addEventListener("htmx:sendError", function (event) {
    var meta = document.querySelector('meta[name="htmx-config"]');
    show(event.detail, panelOf((meta && meta.getAttribute("data-offline")) || "!"));
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && !target.isConnected && target.id) { target = document.getElementById(target.id); }  // outerHTML
    if (!target || !target.querySelector) { return; }
    // Only a message sent by an answer to a posted form: a filter change or a page turn leaves the focus alone.
    var config = event.detail.requestConfig;
    if (!submitted(event.detail) || config.verb !== "post") { return; }
    reveal(target.querySelector('[role="alert"], [role="status"]'));
  });

  // Leaving (sign-out, "Finish") clears the browser's storage for the site (Clear-Site-Data, bastau/sessions.py), but
  // never a trainer's attendance marks not yet sent (static/js/register.js keeps them in localStorage): the form
  // says they are there, so the storage stays, and sign-out first asks whether to leave them on this phone.
  var unsentMarks = function () {
    var names = [];
    try {
      for (var i = 0; i < localStorage.length; i++) { names.push(localStorage.key(i)); }
    } catch (e) { return false; }  // no storage to read: no marks can wait there either
    return names.some(function (name) {
      if (!name || name.indexOf("bastau-register:") !== 0) { return false; }
      try { return (JSON.parse(localStorage.getItem(name) || "[]") || []).length > 0; } catch (e) { return true; }
    });
  };
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-leaving") || !unsentMarks()) { return; }
    var warning = form.getAttribute("data-unsent-warning");
    if (warning && !window.confirm(warning)) { event.preventDefault(); return; }
    var field = form.querySelector('input[name="unsent"]') || form.appendChild(document.createElement("input"));
    field.type = "hidden"; field.name = "unsent"; field.value = "1";
  }, true);
})();
