// Destructive buttons ask first. A form with data-confirm="question" is sent only when the
// visitor says yes, with confirmed=1 so that the server does not ask again. Without this
// script the server asks on a page of its own (eventsite/confirmation.py).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-confirm]")) { return; }
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    if (!form.querySelector('input[name="confirmed"]')) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "confirmed";
      input.value = "1";
      form.appendChild(input);
    }
  });
})();
