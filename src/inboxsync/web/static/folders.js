// The folder editor's live preview: as the auto-reply is typed, the server renders it on the
// chosen conversation (GET …/preview, an escaped fragment) and it replaces the preview.
(function () {
  "use strict";
  var form = document.getElementById("folder-form");
  var target = document.getElementById("preview");
  var conversation = document.getElementById("conversation");
  if (!form || !target || !conversation) {
    return;
  }
  var timer = null;
  var latest = 0;
  function refresh() {
    var asked = ++latest;
    var query = new URLSearchParams({
      conversation: conversation.value,
      subject: form.elements.subject.value,
      body: form.elements.body.value
    });
    fetch(form.dataset.preview + "?" + query.toString(), {
      credentials: "same-origin",
      headers: { Accept: "text/html" }
    }).then(function (answer) {
      return answer.ok ? answer.text() : null;
    }).then(function (html) {
      // A slower, older answer never overwrites a newer one; the fragment is escaped server-side.
      if (html !== null && asked === latest) {
        target.innerHTML = html;
      }
    }).catch(function () {});
  }
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }
  form.elements.subject.addEventListener("input", soon);
  form.elements.body.addEventListener("input", soon);
  conversation.addEventListener("change", refresh);
}());
