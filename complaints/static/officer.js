// Canned responses fill the reply box.
(function () {
  "use strict";
  const canned = document.getElementById("canned");
  const text = document.getElementById("reply-text");
  if (canned && text) {
    canned.addEventListener("change", () => { if (canned.value) text.value = canned.value; });
  }
})();
