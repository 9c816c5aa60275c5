// The entrepreneurship test: each answer is kept on the server as soon as it is chosen (the same form, with
// action=save; sending one answer twice changes nothing), and the progress counter follows the choices.
// Without this script the page works the same: "Save and go on" and every other button keep the answers.
(function () {
  "use strict";
  var form = document.getElementById("test-form");
  var box = document.getElementById("progress");
  if (!form || !box) { return; }
  var total = parseInt(box.getAttribute("data-total") || "0", 10);
  var text = document.getElementById("progress-text");
  var bar = document.getElementById("progress-bar");
  var live = document.getElementById("progress-live");
  var failed = document.getElementById("save-failed");
  var speak;

  function answered() {
    var names = {};
    form.querySelectorAll("input[type=radio]:checked").forEach(function (r) { names[r.name] = true; });
    return Object.keys(names).length;
  }
  function words(template, count) {
    return template.replace("{answered}", String(count)).replace("{total}", String(total));
  }
  function update() {
    var count = answered();
    var line = words(box.getAttribute("data-one"), count);
    var strong = document.createElement("strong");
    strong.textContent = line;
    text.replaceChildren(strong);
    bar.value = count;
    // Polite and not chatty: said once, a moment after the last choice (and in full when all are answered).
    clearTimeout(speak);
    speak = setTimeout(function () {
      live.textContent = count === total ? words(box.getAttribute("data-done"), count) : line;
    }, 1500);
  }
  function keep(radio) {
    var data = new FormData();
    data.append("csrf_token", form.elements.csrf_token.value);
    data.append("sitting", form.elements.sitting.value);
    data.append("action", "save");
    data.append(radio.name, radio.value);
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin",
                         headers: { "X-Requested-With": "fetch" } })
      .then(function (answer) { failed.hidden = answer.ok; if (!answer.ok) { failed.textContent = failed.getAttribute("data-text"); } })
      .catch(function () { failed.textContent = failed.getAttribute("data-text"); failed.hidden = false; });
  }
  form.addEventListener("change", function (event) {
    if (event.target.type !== "radio") { return; }
    var set = event.target.closest("fieldset");
    if (set && set.classList.contains("invalid")) { set.classList.remove("invalid"); }
    update();
    keep(event.target);
  });
})();
