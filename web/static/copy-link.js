// "Kopieer link": progressive enhancement. Without JavaScript the button stays hidden and the
// address bar holds the same link.
(function () {
  "use strict";

  function copyWithSelection(text) {
    // The Clipboard API exists only in secure contexts (https, localhost); intranet servers
    // are often plain http, where this older way still works.
    const field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.className = "visually-hidden";
    document.body.appendChild(field);
    field.select();
    const copied = document.execCommand("copy");
    field.remove();
    return copied;
  }

  document.querySelectorAll("button.copy-link[data-url]").forEach(function (button) {
    const status = button.parentElement.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      const url = button.dataset.url;
      const done = function () { status.textContent = "Link gekopieerd"; };
      const failed = function () {
        status.textContent = copyWithSelection(url) ? "Link gekopieerd"
          : "Kopiëren lukte niet; kopieer het adres uit de adresbalk.";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(done, failed);
      } else {
        failed();
      }
    });
  });
})();
