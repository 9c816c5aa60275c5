// The trainer's register (templates/trainer/attendance.html): each mark is saved as it is tapped, so nothing is lost
// when the page ends itself or the session does. Marks wait in this phone's localStorage until the server has them
// (shown "Not sent yet" in words), and go once the network is back. Each carries a key made here: the server applies
// a key once (bastau/trainer/services.py save_sent_marks), so a resend never doubles or flips a mark.
// Without this script the form is sent whole by "Save attendance", as before.
(function () {
  "use strict";
  var form = document.getElementById("register");
  if (!form || !window.fetch || !window.localStorage || !window.JSON) { return; }
  var say = function (name) { return form.getAttribute("data-t-" + name) || ""; };
  var storeKey = form.getAttribute("data-store");
  var status = document.getElementById("sync-status");
  var delivered = document.getElementById("delivered");
  var token = (form.querySelector('input[name="csrf_token"]') || {}).value || "";
  var queue = [], busy = false, stopped = false, finishing = false, retry = null, renewed = false;

  try { queue = JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { queue = []; }
  if (!Array.isArray(queue)) { queue = []; }
  var keep = function () {
    try {
      if (queue.length) { localStorage.setItem(storeKey, JSON.stringify(queue)); } else { localStorage.removeItem(storeKey); }
    } catch (e) { /* storage full or off: the marks still go now */ }
  };
  var newKey = function () {
    var bytes = new Uint8Array(12);
    (window.crypto || {}).getRandomValues ? crypto.getRandomValues(bytes) : bytes.forEach(function (_, i) { bytes[i] = Math.random() * 256; });
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  };
  var rowOf = function (person) { return document.getElementById("p" + person); };
  // A line or panel shown as a mark goes moves the rows below it: keep the choice in focus on the screen, where the
  // browser's own scrolling put it before the page moved (someone arrowing through the register must see it).
  var keepFocusInView = function () {
    var focused = document.activeElement;
    if (focused && focused !== document.body && form.contains(focused)) {
      var target = focused.labels && focused.labels.length ? focused.labels[0] : focused;
      var box = target.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) { target.scrollIntoView({ block: "nearest" }); }
    }
  };
  var line = function (person, text) {
    var box = document.getElementById("s" + person);
    if (!box) { return; }
    box.textContent = text;
    box.hidden = !text;
    box.className = "sync small" + (text === say("pending") ? " pending" : "");
    keepFocusInView();
  };
  var valueOf = function (person) {
    var row = rowOf(person);
    var checked = row.querySelector('input[type=radio]:checked');
    return { person: person, mark: checked ? checked.value : "present",
             reason: (row.querySelector("select") || {}).value || "", note: (row.querySelector("input[id^=n]") || {}).value || "" };
  };

  function draw() {
    var waiting = queue.length;
    status.replaceChildren();
    if (stopped) {
      var p = document.createElement("p"), a = document.createElement("a");
      p.className = "panel error-panel";
      p.textContent = say("signed-out") + " ";
      a.href = form.getAttribute("data-sign-in-url");
      a.textContent = say("sign-in");
      p.appendChild(a);
      status.appendChild(p);
    } else if (waiting) {
      var box = document.createElement("p"), send = document.createElement("button");
      box.className = "panel warn";
      box.id = "not-sent";
      box.textContent = say("queue").replace("{num}", String(waiting)) + " ";
      send.type = "button"; send.className = "button secondary"; send.textContent = say("send");
      send.addEventListener("click", function () { push(); });
      box.appendChild(send);
      status.appendChild(box);
    }
    keepFocusInView();
  }

  // Put a mark in the queue (replacing one not yet sent for the same person) and send it.
  function add(item) {
    item.key = newKey();
    queue = queue.filter(function (old) {
      return old.sending || (item.delivered !== undefined ? old.delivered === undefined : old.person !== item.person);
    });
    queue.push(item);
    keep();
    if (item.person) { line(item.person, say("pending")); }
    draw();
    push();
  }

  function done(keys) {
    queue = queue.filter(function (item) { return keys.indexOf(item.key) < 0; });
    keep();
  }

  function push() {
    if (busy || stopped || !queue.length) { return finishing && !queue.length && !busy ? leave() : undefined; }
    busy = true;
    clearTimeout(retry);
    var batch = queue.slice(0, 100);
    batch.forEach(function (item) { item.sending = true; if (item.person) { line(item.person, say("sending")); } });
    var timer = window.AbortController ? new AbortController() : null;
    var limit = setTimeout(function () { if (timer) { timer.abort(); } }, 20000);
    fetch(form.getAttribute("data-marks-url"), {
      method: "POST", credentials: "same-origin", signal: timer && timer.signal,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify({ finished: finishing && batch.length === queue.length, marks: batch.map(function (item) {
        var sent = { key: item.key };
        if (item.delivered !== undefined) { sent.delivered = item.delivered; } else {
          sent.person = item.person; sent.mark = item.mark; sent.reason = item.reason; sent.note = item.note;
        }
        return sent;
      }) })
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.redirected || response.status === 401 || !json) { throw { signedOut: true }; }
      return response.json().then(function (answer) {
        if (answer.error === "renewed" && !renewed) { renewed = true; throw { renew: true }; }
        if (!response.ok) { throw { signedOut: answer.error === "renewed" }; }
        return answer;
      });
    }).then(function (answer) {
      var saved = answer.saved || [], refused = answer.refused || {};
      if (Object.keys(refused).length) { finishing = false; }  // stay: the row says what to change
      batch.forEach(function (item) {
        if (!item.person) { return; }
        var later = queue.some(function (other) { return other.person === item.person && other.key !== item.key; });
        if (refused[item.key]) { line(item.person, refused[item.key]); } else if (!later) { line(item.person, say("saved")); }
      });
      done(saved.concat(Object.keys(refused)));
    }).catch(function (problem) {
      batch.forEach(function (item) { delete item.sending; if (item.person) { line(item.person, say("pending")); } });
      keep();
      if (problem && problem.renew) { busy = "reloading"; location.reload(); return; }  // a new page brings a fresh token; the queue stays
      if (problem && problem.signedOut) { stopped = true; } else { retry = setTimeout(push, 30000); }
    }).then(function () {
      clearTimeout(limit);
      if (busy === "reloading") { return; }
      busy = false;
      draw();
      if (!stopped && queue.length && !retry) { push(); } else if (finishing && !queue.length) { leave(); }
    }, function () { busy = false; });
    retry = null;
  }

  function leave() { location.assign(form.getAttribute("data-done-url")); }

  // What is still on this phone from before (a dropped network, a session that ended): shown, then sent.
  queue.forEach(function (item) {
    delete item.sending;
    if (item.delivered !== undefined) { if (delivered) { delivered.checked = item.delivered; } return; }
    var row = rowOf(item.person);
    if (!row) { return; }
    var radio = row.querySelector('input[type=radio][value="' + item.mark + '"]');
    if (radio) { radio.checked = true; }
    var select = row.querySelector("select"), note = row.querySelector("input[id^=n]");
    if (select) { select.value = item.reason || ""; }
    if (note) { note.value = item.note || ""; }
    line(item.person, say("pending"));
  });
  document.getElementById("sync-note").hidden = false;

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target === delivered) { add({ delivered: delivered.checked }); return; }
    var row = target.closest && target.closest("fieldset[data-person]");
    if (!row) { return; }
    var item = valueOf(parseInt(row.getAttribute("data-person"), 10));
    if (item.mark === "excused" && !item.reason) { line(item.person, say("reason")); return; }
    add(item);
  });

  // A tap made before this script ran (it starts after the page has loaded, late on a slow phone) goes too: any row
  // whose mark differs from the one the page came with, and is not already waiting on this phone.
  Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-person]"), function (row) {
    var person = parseInt(row.getAttribute("data-person"), 10);
    var checked = row.querySelector("input[type=radio]:checked");
    var waiting = queue.some(function (item) { return item.person === person; });
    if (checked && !checked.defaultChecked && !waiting) {
      var item = valueOf(person);
      if (item.mark !== "excused" || item.reason) { add(item); }
    }
  });

  // "Save attendance": every row as it stands (the untapped ones present), then on to the cohort when all is saved.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var missing = Array.prototype.filter.call(form.querySelectorAll("fieldset[data-person]"), function (row) {
      var item = valueOf(parseInt(row.getAttribute("data-person"), 10));
      return item.mark === "excused" && !item.reason;
    });
    if (missing.length) {
      line(parseInt(missing[0].getAttribute("data-person"), 10), say("reason"));
      missing[0].scrollIntoView(); (missing[0].querySelector("select") || missing[0]).focus();
      return;
    }
    Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-person]"), function (row) {
      var item = valueOf(parseInt(row.getAttribute("data-person"), 10));
      item.key = newKey();
      queue = queue.filter(function (old) { return old.sending || old.person !== item.person; });
      queue.push(item);
    });
    if (delivered) {
      queue = queue.filter(function (old) { return old.sending || old.delivered === undefined; });
      queue.push({ key: newKey(), delivered: delivered.checked });
    }
    keep();
    finishing = true;
    draw();
    push();
  });

  window.addEventListener("online", function () { clearTimeout(retry); retry = null; push(); });
  draw();
  push();
})();
