// Inlined in every page's <head> (bastau/assets.py, allowed by its hash in the Content-Security-Policy). The page is
// shown and usable without any script, as it is without JavaScript; so every script (app.js, htmx, a page's own)
// is named by a <link rel="preload" data-after-load>, which the browser fetches from the start without making the
// page's first paint or its load event wait, and run here, in page order, once the page has loaded.
(function () {
  "use strict";
  // A field with an htmx request of its own (the region's districts, the IIN's check) that was changed before htmx
  // had arrived: ask now what htmx would have asked then.
  var defaultIndex = function (select) {  // the option shown before anyone chose: the last one marked, or the first
    var marked = Array.prototype.filter.call(select.options, function (o) { return o.defaultSelected; });
    return marked.length ? marked[marked.length - 1].index : 0;
  };
  var catchUp = function () {
    document.querySelectorAll("input[hx-get], input[hx-post], select[hx-get], select[hx-post]").forEach(function (f) {
      var changed = f.tagName === "SELECT" ? f.selectedIndex !== defaultIndex(f) : f.value !== f.defaultValue;
      if (changed) { window.htmx.trigger(f, "change"); }
    });
  };
  // The inlined stylesheet's file, fetched into the cache once the page has loaded; the cookie tells the server
  // that later pages may link it instead of inlining it again (bastau/assets.py stylesheet).
  var cacheStylesheet = function () {
    var inlined = document.querySelector("style[data-cache]");
    if (!inlined || !window.fetch) { return; }
    fetch(inlined.getAttribute("data-cache"), { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { return; }
      return response.text().then(function () {  // read whole, so that it is whole in the cache
        document.cookie = inlined.getAttribute("data-cache-cookie") + "; path=/; max-age=31536000; samesite=lax" +
          (location.protocol === "https:" ? "; secure" : "");
      });
    }).catch(function () {});
  };
  // After the load event, when the page is whole and nothing waits for these any more. Not earlier, not even for a
  // file already in the cache: htmx 2 started between DOMContentLoaded and the load event never initialises.
  var run = function () {
    document.querySelectorAll("link[data-after-load]").forEach(function (link) {
      var script = document.createElement("script");
      script.src = link.href;
      script.async = false;  // in page order: app.js before the scripts that follow it
      document.head.appendChild(script);
    });
    cacheStylesheet();
  };
  window.addEventListener("load", run);
  document.addEventListener("htmx:load", function (event) { if (event.target === document.body) { catchUp(); } });
})();
