/* Inside a studio's frame (see /embed.js): tell the embedding page how tall this page is, so the
 * frame fits it. Messages go only to the origins allowed to frame us; the browser drops them for
 * any other parent. */
(function () {
  "use strict";
  if (window.self === window.top) return;
  var listed = document.getElementById("embed-origins");
  var origins = listed ? JSON.parse(listed.textContent) : [];
  function post(message) {
    origins.forEach(function (origin) { window.parent.postMessage(message, origin); });
  }
  function height() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }
  // Said first, and by every browser: the embedding script takes a frame that never says it for refused.
  post({ type: "booksync:navigated" });
  if (window.ResizeObserver) {
    new ResizeObserver(function () { post({ type: "booksync:height", height: height() }); })
      .observe(document.documentElement);
  }
  // Escape pressed inside the frame reaches only this document: pass it on, so a dialog
  // holding the frame closes as it would for a key pressed on the studio's page.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.defaultPrevented) post({ type: "booksync:escape" });
  });
})();
