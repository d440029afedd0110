{% autoescape off %}/* booksync embed: an inline booking frame that fits its content, or a "Book now" button opening it. */
(function () {
  "use strict";
  var ORIGIN = "{{ origin|escapejs }}";
  var LANGUAGES = ["{{ languages|join:'","' }}"];
  // The origins whose pages our pages let frame them (EMBED_ALLOWED_ORIGINS and this site; none
  // when the list is empty): anywhere else the browser would show a grey refused frame.
  var FRAMERS = {{ framers|safe }};
  var REFUSED_AFTER_MS = {{ refused_after_ms }};
  var script = document.currentScript;
  if (!script) return;
  var options = script.dataset;
  var language = LANGUAGES.indexOf(options.language) >= 0 ? "/" + options.language : "";
  var path = options.service ? "/book/" + encodeURIComponent(options.service) + "/" : "/";
  var page = ORIGIN + language + path;
  var framed = FRAMERS.indexOf(window.location.origin) >= 0;
  if (!framed && window.console) {
    console.warn("booksync: " + window.location.origin + " is not in EMBED_ALLOWED_ORIGINS, so the booking " +
                 "page opens on its own site instead of in a frame here.");
  }

  function notice() {
    // What a visitor reads where the frame cannot be: a sentence and a link to the page itself.
    var box = document.createElement("div");
    box.className = "booksync-refused";
    box.setAttribute("role", "note");
    box.style.cssText = "box-sizing:border-box;max-width:100%;padding:16px 20px;border:1px solid #c8c8c8;" +
      "border-radius:8px;background:#fff;color:#1f1f1f;font:inherit;line-height:1.5;";
    var text = document.createElement("p");
    text.style.cssText = "margin:0 0 8px;";
    text.textContent = "{{ refused|escapejs }}";
    var link = document.createElement("a");
    link.href = page;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "{{ open_page|escapejs }}";
    link.style.cssText = "color:#0b57d0;text-decoration:underline;font-weight:600;";
    box.appendChild(text);
    box.appendChild(link);
    return box;
  }

  function frame() {
    var iframe = document.createElement("iframe");
    var answered = false;
    iframe.src = page;
    iframe.title = options.title || "{{ frame_title|escapejs }}";
    iframe.style.cssText = "display:block;width:100%;min-height:320px;height:640px;border:0;";
    iframe.addEventListener("load", function () {
      // Our page speaks as soon as it runs (frame.js); a frame the browser refused never does.
      setTimeout(function () {
        if (!answered && iframe.parentNode) iframe.parentNode.replaceChild(notice(), iframe);
      }, REFUSED_AFTER_MS);
    });
    window.addEventListener("message", function (event) {
      // Only our own site, and only the page inside this very frame, may resize it.
      if (event.origin !== ORIGIN || event.source !== iframe.contentWindow) return;
      var data = event.data || {};
      if (typeof data.type === "string" && data.type.indexOf("booksync:") === 0) answered = true;
      if (data.type === "booksync:height" && data.height > 0) iframe.style.height = Math.ceil(data.height) + "px";
      if (data.type === "booksync:navigated" && iframe.getBoundingClientRect().top < 0) iframe.scrollIntoView();
      if (data.type === "booksync:escape") {
        var dialog = iframe.closest("dialog");
        if (dialog && dialog.open) dialog.close();
      }
    });
    return iframe;
  }

  if (options.mode !== "button") {
    script.parentNode.insertBefore(framed ? frame() : notice(), script);
    return;
  }

  if (!framed) {
    // A "Book now" that cannot open a frame here opens the booking page itself.
    var direct = document.createElement("a");
    direct.className = "booksync-open";
    direct.href = page;
    direct.target = "_blank";
    direct.rel = "noopener";
    direct.textContent = options.label || "{{ book_now|escapejs }}";
    script.parentNode.insertBefore(direct, script);
    return;
  }

  var open = document.createElement("button");
  open.type = "button";
  open.className = "booksync-open";
  open.textContent = options.label || "{{ book_now|escapejs }}";
  var dialog = document.createElement("dialog");
  dialog.className = "booksync-dialog";
  dialog.style.cssText = "width:min(760px,96vw);max-height:92vh;padding:0;border:0;border-radius:10px;overflow:auto;";
  var close = document.createElement("button");
  close.type = "button";
  close.textContent = "{{ close|escapejs }}";
  close.style.cssText = "position:sticky;top:0;float:right;margin:8px;";
  close.addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () { open.focus(); });
  dialog.appendChild(close);
  open.addEventListener("click", function () {
    if (!dialog.querySelector("iframe")) dialog.appendChild(frame());
    dialog.showModal();  // Escape closes it; focus returns to the button
  });
  script.parentNode.insertBefore(open, script);
  document.body.appendChild(dialog);
})();
{% endautoescape %}
