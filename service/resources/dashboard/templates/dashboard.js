(function () {
  "use strict";
  // The key (API_READ_AUTH) lives in this tab's session storage and in a session cookie that the
  // server accepts for the dashboard's pages only; fetch() calls send it as X-API-Key.
  var STORAGE = "ai-trader-api-key";
  var COOKIE = document.body.dataset.keyCookie;
  var FAST = 2000, IDLE = 10000, RETRY = 10000;

  function cookieKey() {
    var prefix = COOKIE + "=";
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(prefix) === 0; });
    return found.length && found[0].length > prefix.length ?
      decodeURIComponent(found[0].slice(prefix.length)) : null;
  }
  function storedKey() {
    var key = null;
    try { key = window.sessionStorage.getItem(STORAGE); } catch (ignored) { /* storage off */ }
    return key || cookieKey();
  }
  function remember(key) {
    try { window.sessionStorage.setItem(STORAGE, key); } catch (ignored) { /* storage off */ }
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    // No Expires: the browser drops the cookie when the session ends, as it does the storage.
    document.cookie = COOKIE + "=" + encodeURIComponent(key) + "; Path=/; SameSite=Strict" + secure;
  }
  function forget() {
    try { window.sessionStorage.removeItem(STORAGE); } catch (ignored) { /* storage off */ }
    document.cookie = COOKIE + "=; Path=/; SameSite=Strict; Max-Age=0";
  }
  function headers(accept) {
    var sent = {Accept: accept}, key = storedKey();
    if (key) { sent["X-API-Key"] = key; }
    return sent;
  }

  function keyPrompt(form) {
    var note = document.getElementById("key-note");
    if (form.dataset.rejected === "true") {
      forget();
    } else if (storedKey()) {
      // The key is known to this tab but the cookie went missing: set it again and retry once.
      remember(storedKey());
      if (cookieKey()) { window.location.reload(); return; }
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var key = document.getElementById("key-input").value.trim();
      if (!key) { return; }
      remember(key);
      if (!cookieKey()) {
        note.textContent = "This browser refuses cookies from this page: allow them to sign in.";
        note.hidden = false;
        return;
      }
      window.location.reload();
    });
  }

  var cues = [];
  function cue(box) {
    var wrap = box.querySelector(".table-wrap");
    function update() {
      var room = wrap.scrollWidth - wrap.clientWidth;
      box.classList.toggle("overflowing", room > 1);
      box.classList.toggle("more-right", wrap.scrollLeft < room - 1);
      box.classList.toggle("more-left", wrap.scrollLeft > 1);
    }
    wrap.addEventListener("scroll", update, {passive: true});
    update();
    return update;
  }
  function markScrolling() {
    cues = Array.prototype.map.call(document.querySelectorAll(".table-scroll"), cue);
  }
  window.addEventListener("resize", function () { cues.forEach(function (update) { update(); }); });

  function text(id, value) {
    var node = document.getElementById(id);
    if (node) { node.textContent = value; }
  }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return "—"; }
    var total = Math.round(seconds), h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60), s = total % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (h) { return h + "h " + pad(m) + "m"; }
    return m ? m + "m " + pad(s) + "s" : s + "s";
  }
  function show(job) {
    var p = job.progress, status = document.getElementById("job-status");
    document.getElementById("job-progress").value = p.percent;
    status.textContent = job.status;
    status.className = "badge " + job.status;
    text("job-percent", p.percent.toFixed(1) + "%");
    var waiting = p.awaiting_agent ? p.awaiting_agent + " waiting for their agent, " : "";
    text("job-counts", p.completed + " of " + p.total + " model-days done, " + p.running +
      " running, " + waiting + p.failed + " failed, " + p.skipped + " skipped");
    text("job-eta", duration(p.eta_seconds));
    text("job-note", "");
  }
  var activeStatuses = (document.getElementById("page").dataset.activeStatuses || "").split(" ");
  function isActive(job) { return !!job && activeStatuses.indexOf(job.status) >= 0; }
  // What the page was drawn with: a different job, status or count of stored model-days
  // means the leaderboard and the chart are out of date.
  function drawnWith(job) {
    var panel = document.getElementById("job");
    if (!panel || !job) { return !panel && !job; }
    return panel.dataset.jobId === job.job_id && panel.dataset.status === job.status &&
      panel.dataset.completed === String(job.progress.completed);
  }
  function typing() {
    var node = document.activeElement, page = document.getElementById("page");
    return !!node && page.contains(node) && /^(INPUT|SELECT|TEXTAREA)$/.test(node.tagName);
  }
  function redraw() {
    return fetch(window.location.href, {headers: headers("text/html"), cache: "no-store"})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("page");
        if (!fresh || !fresh.dataset.follow) { throw new Error("unexpected page"); }
        var wraps = function () { return document.querySelectorAll("#page .table-wrap"); };
        var lefts = Array.prototype.map.call(wraps(), function (wrap) { return wrap.scrollLeft; });
        document.getElementById("page").replaceWith(document.adoptNode(fresh));
        // The window keeps its scroll position; sideways-scrolled tables get theirs back.
        Array.prototype.forEach.call(wraps(), function (wrap, index) {
          wrap.scrollLeft = lefts[index] || 0;
        });
        markScrolling();
      });
  }
  function follow(url) {
    function later(delay) { window.setTimeout(poll, delay); }
    function poll() {
      fetch(url, {headers: headers("application/json"), cache: "no-store"})
        .then(function (response) {
          if (response.status === 404) { return null; }  // no job yet
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (job) {
          var delay = isActive(job) ? FAST : IDLE;
          if (drawnWith(job)) {
            if (job && isActive(job)) { show(job); }
            return later(delay);
          }
          // Someone is picking a date: redraw when they are done, not under their fingers.
          if (typing()) { return later(FAST); }
          return redraw().then(function () { later(delay); });
        })
        .catch(function (error) {
          text("job-note", "· live updates paused (" + error.message + "), retrying");
          later(RETRY);
        });
    }
    var panel = document.getElementById("job");
    later(panel && panel.dataset.active === "true" ? FAST : IDLE);
  }

  var form = document.getElementById("key-form");
  if (form) { keyPrompt(form); }
  var forgetButton = document.getElementById("forget-key");
  if (storedKey()) {
    forgetButton.hidden = false;
    forgetButton.addEventListener("click", function () { forget(); window.location.reload(); });
  }
  markScrolling();
  var page = document.getElementById("page");
  if (page.dataset.follow) { follow(page.dataset.follow); }
}());
