/* live.js: parts of a page that follow the server's events without a reload.
 *
 * Attributes:
 *   data-live-events="<url>"  on one element of the page: the Server-Sent Events stream to
 *       follow (same origin, the session's cookie). Each event's `event:` is its type and its
 *       data the event as JSON; a reconnect resumes from Last-Event-ID.
 *   data-live-src="<url>"     on an element to keep fresh: the URL answers an HTML fragment
 *       (our own, escaped by the server) that replaces the element's content.
 *   data-live-types="a b"     on the same element (required): the event types that make it
 *       re-fetch, space-separated (the names of inboxsync.db.events.EVENT_TYPES).
 *   data-live-conversation="<id>"  optional, on the same element: only events of that
 *       conversation count.
 * Events close together make one fetch (debounced). Keyboard focus inside a swapped element
 * moves to the same link or control in the new content (by id, else by href or name).
 */
(function () {
  "use strict";
  var DEBOUNCE_MS = 150;

  function wanted(target, type, data) {
    var types = (target.getAttribute("data-live-types") || "").split(/\s+/).filter(Boolean);
    if (types.indexOf(type) < 0) return false;
    var only = target.getAttribute("data-live-conversation");
    return !only || (data && String(data.conversation_id) === only);
  }

  function focusKey(element) {
    if (element.id) return "#" + CSS.escape(element.id);
    var href = element.getAttribute("href");
    if (href) return '[href="' + CSS.escape(href) + '"]';
    var name = element.getAttribute("name");
    return name ? '[name="' + CSS.escape(name) + '"]' : null;
  }

  function swap(target, html) {
    var active = document.activeElement;
    var key = active && target.contains(active) ? focusKey(active) : null;
    target.innerHTML = html;
    if (key) {
      var again = target.querySelector(key);
      if (again) again.focus({ preventScroll: true });
    }
    target.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
  }

  function refresh(target) {
    var url = target.getAttribute("data-live-src");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) { swap(target, html); })
      .catch(function () { /* the next event tries again */ });
  }

  function schedule(target) {
    clearTimeout(target._liveTimer);
    target._liveTimer = setTimeout(function () { refresh(target); }, DEBOUNCE_MS);
  }

  function start() {
    var source = document.querySelector("[data-live-events]");
    var targets = document.querySelectorAll("[data-live-src]");
    if (!source || !targets.length || !window.EventSource) return;
    var stream = new EventSource(source.getAttribute("data-live-events"));
    var seen = {};
    function listen(type) {
      if (seen[type]) return;
      seen[type] = true;
      stream.addEventListener(type, function (event) {
        var data = null;
        try { data = JSON.parse(event.data); } catch (e) { /* not JSON: types still count */ }
        targets.forEach(function (target) {
          if (wanted(target, type, data)) schedule(target);
        });
      });
    }
    targets.forEach(function (target) {
      (target.getAttribute("data-live-types") || "").split(/\s+/).filter(Boolean).forEach(listen);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
