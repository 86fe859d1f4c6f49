// The review panel's widgets as a screen reader needs them, wherever the panel is shown: the
// review app's page (index.html.j2 includes this file) and JupyterLab (ReviewPanel displays
// it before the panel). Each set of radio buttons becomes a group named by its description
// (WCAG 1.3.1: a screen reader says "Decision" before the choices; ipywidgets leaves the
// description beside the group, unconnected), and the focus moves to an error summary when
// one appears (GOV.UK Design System: the officer, and a screen reader, land on what went
// wrong). Once per page: a notebook may show the panel more than once.
(function () {
  if (window.workbenchAccessibleWidgets) return;
  window.workbenchAccessibleWidgets = true;
  let radioGroups = 0;
  function nameRadioGroups(root) {
    const radios = root.matches(".widget-radio") ? [root] : root.querySelectorAll(".widget-radio");
    for (const radio of radios) {
      const label = radio.querySelector(":scope > .widget-label");
      const box = radio.querySelector(":scope > .widget-radio-box");
      if (!label || !box) continue;
      if (!label.id) label.id = "wb-radio-group-" + (++radioGroups);
      box.setAttribute("role", "radiogroup");
      box.setAttribute("aria-labelledby", label.id);
    }
  }
  nameRadioGroups(document.documentElement); // widgets already on the page
  // One watch on what the widgets add: radio groups named, and the focus moved to the first
  // error summary that appears.
  new MutationObserver(function (changes) {
    let focused = false;
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (!(node instanceof Element)) continue;
        nameRadioGroups(node);
        if (focused) continue;
        const summary = node.matches(".wb-error-summary") ? node : node.querySelector(".wb-error-summary");
        if (summary) { summary.focus(); focused = true; }
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
