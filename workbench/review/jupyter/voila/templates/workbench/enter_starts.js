// Enter in "Your name" starts reviewing, as in any form (the review app's page only). The
// field sends its text when it is left (continuous_update=False), and ipywidgets' own Enter
// message reaches the kernel before the text does: so the text is sent first, by a change
// event, then "Start reviewing" is clicked, in that order, as a click after typing does.
(function () {
  if (window.workbenchEnterStarts) return;
  window.workbenchEnterStarts = true;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.target instanceof HTMLInputElement)) return;
    const field = event.target.closest(".widget-text");
    const label = field && field.querySelector(".widget-label");
    if (!label || label.textContent.trim() !== "Your name") return;
    const start = Array.from(document.querySelectorAll("button")).find(
      (button) => button.textContent.trim() === "Start reviewing"
    );
    if (!start) return; // the panel's own name field: no sign-in to start
    event.preventDefault();
    event.target.dispatchEvent(new Event("change", { bubbles: true }));
    start.click();
  }, true);
})();
