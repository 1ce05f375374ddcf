// Progressive enhancement: a button that copies a text shown on the page (the two-factor key). Without this
// file the text is still there to select and copy. Markup: a container with data-copy-source (the id of the
// element whose data-copy-value, or text, is copied), data-copy-label and data-copied-text.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy-source]").forEach(function (box) {
    var source = document.getElementById(box.dataset.copySource);
    if (!source) { return; }
    var text = source.dataset.copyValue || source.textContent.trim();
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary copy-button";
    button.textContent = box.dataset.copyLabel;
    var status = document.createElement("p");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    source.parentNode.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", status);

    function copied() { status.textContent = box.dataset.copiedText; }
    function selectSource() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    button.addEventListener("click", function () {
      status.textContent = "";
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(copied, selectSource);
      } else {
        // No clipboard access: select the key so that the person can copy it (Ctrl+C).
        selectSource();
      }
    });
  });
});
