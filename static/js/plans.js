// The business plan's file: a large labelled button instead of the browser's small control, the chosen names in
// order, and the size and type checked here first, so that a refused file never travels over a slow connection.
// Without this script the browser's own control is shown and the server checks everything (it always does).
(function () {
  "use strict";
  var box = document.getElementById("field-plan");
  var input = document.getElementById("plan");
  var form = document.getElementById("plan-form");
  if (!box || !input || !form) { return; }
  var error = document.getElementById("plan-error");
  var chosenBox = document.getElementById("plan-chosen");
  var list = document.getElementById("plan-files");
  var clear = document.getElementById("plan-clear");
  var num = function (name) { return parseInt(box.getAttribute("data-" + name), 10); };
  var say = function (name) { return box.getAttribute("data-" + name); };
  var canKeep = typeof DataTransfer === "function";
  var files = [];
  box.classList.add("enhanced");

  function size(bytes) {
    if (bytes < 1024 * 1024) { return say("kb").replace("{size}", String(Math.max(1, Math.round(bytes / 1024)))); }
    var mb = (Math.round(bytes / 1024 / 102.4) / 10).toLocaleString(document.documentElement.lang || "kk");
    return say("mb").replace("{size}", mb);
  }
  function kindOf(file) {
    var name = file.name.toLowerCase();
    var ext = name.slice(name.lastIndexOf("."));
    if (/^image\/(jpeg|png)$/.test(file.type) || [".jpg", ".jpeg", ".png"].indexOf(ext) >= 0) { return "photo"; }
    if (ext === ".doc" || file.type === "application/msword") { return "old-word"; }
    if ([".pdf", ".docx", ".odt"].indexOf(ext) >= 0) { return "document"; }
    return "other";
  }
  function problem(chosen) {
    var total = 0;
    for (var i = 0; i < chosen.length; i++) {
      var kind = kindOf(chosen[i]);
      if (kind === "old-word") { return say("old-word"); }
      if (kind === "other") { return say("not-accepted"); }
      if (chosen[i].size === 0) { return say("empty"); }
      if (chosen[i].size > num("max-bytes")) { return say("too-big"); }
      if (chosen.length > 1 && kind !== "photo") { return say("photos-only"); }
      total += chosen[i].size;
    }
    if (chosen.length > num("max-photos")) { return say("too-many"); }
    if (chosen.length > 1 && total > num("max-photos-bytes")) { return say("photos-too-big"); }
    return "";
  }
  function show(message) {
    error.textContent = message;
    error.hidden = !message;
    box.classList.toggle("invalid", !!message);
    if (message) { error.setAttribute("role", "alert"); input.setAttribute("aria-invalid", "true"); }
    else { error.removeAttribute("role"); input.removeAttribute("aria-invalid"); }
  }
  function draw() {
    list.replaceChildren();
    files.forEach(function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " (" + size(file.size) + ")";
      list.appendChild(item);
    });
    chosenBox.hidden = files.length === 0;
    document.getElementById("plan-add-more").hidden = !canKeep || !files.every(function (f) { return kindOf(f) === "photo"; });
  }
  function keepInInput() {
    if (!canKeep) { return; }
    var transfer = new DataTransfer();
    files.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
  }
  input.addEventListener("change", function () {
    var picked = Array.prototype.slice.call(input.files || []);
    var allPhotos = function (some) { return some.every(function (f) { return kindOf(f) === "photo"; }); };
    // Photos chosen again go after the ones already chosen: the pages keep the order they were picked in.
    if (canKeep && files.length && picked.length && allPhotos(files) && allPhotos(picked)) {
      files = files.concat(picked);
      keepInInput();
    } else {
      files = picked;
    }
    draw();
    show(problem(files));
  });
  // A link, not a button: the form's buttons are its Upload button only (Enter, and the first button, send it).
  clear.addEventListener("click", function (event) {
    event.preventDefault();
    files = [];
    input.value = "";
    draw();
    show("");
    input.focus();
  });
  form.addEventListener("submit", function (event) {
    var message = files.length ? problem(files) : "";
    if (message) {
      event.preventDefault();
      show(message);
      error.scrollIntoView({ block: "center" });
      input.focus({ preventScroll: true });
    }
  });
})();
