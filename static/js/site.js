// Small behaviours every page may use; the page works without them. Kept out of the
// markup: the Content-Security-Policy runs no inline code.
(function () {
  "use strict";
  // A feed address selects itself when focused, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-select-on-focus]")) {
      event.target.select();
    }
  });
})();
