// Progressive enhancement: on a phone the main menu folds behind a "Menu" button, so that the header leaves
// room for the page (the CSS hides the list only when this script has added the button, and only on narrow
// screens). Without JavaScript the menu is shown in full.
document.addEventListener("DOMContentLoaded", function () {
  var nav = document.querySelector(".main-nav[data-menu-label]");
  var list = nav && nav.querySelector("ul[id]");
  if (!list) { return; }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "menu-toggle secondary";
  button.textContent = nav.dataset.menuLabel;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", list.id);
  nav.insertBefore(button, list);
  nav.classList.add("collapsible");
  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  }
  button.addEventListener("click", function () { setOpen(button.getAttribute("aria-expanded") !== "true"); });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && nav.classList.contains("open")) { setOpen(false); button.focus(); }
  });
});
