{% autoescape off %}/* booksync embed: an inline booking frame that fits its content, or a "Book now" button opening it. */
(function () {
  "use strict";
  var ORIGIN = "{{ origin|escapejs }}";
  var LANGUAGES = ["{{ languages|join:'","' }}"];
  var script = document.currentScript;
  if (!script) return;
  var options = script.dataset;
  var language = LANGUAGES.indexOf(options.language) >= 0 ? "/" + options.language : "";
  var path = options.service ? "/book/" + encodeURIComponent(options.service) + "/" : "/";

  function frame() {
    var iframe = document.createElement("iframe");
    iframe.src = ORIGIN + language + path;
    iframe.title = options.title || "{{ frame_title|escapejs }}";
    iframe.style.cssText = "display:block;width:100%;min-height:320px;height:640px;border:0;";
    window.addEventListener("message", function (event) {
      // Only our own site, and only the page inside this very frame, may resize it.
      if (event.origin !== ORIGIN || event.source !== iframe.contentWindow) return;
      var data = event.data || {};
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
    script.parentNode.insertBefore(frame(), script);
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
