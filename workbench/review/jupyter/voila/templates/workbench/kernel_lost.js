// The review app's page when its kernel stops (killed, out of memory): Voilà restarts the
// kernel, but the page's widgets belonged to the one that died, so a click would record
// nothing and say nothing. The page says so at the top, GOV.UK's error summary style,
// announced by screen readers and given the focus, and everything else on the page is made
// inert, so no decision can seem to be recorded. Decisions recorded before are in the store.
//
// The only sign of it the page gets is the status JupyterLab's kernel connection logs
// (`Kernel: restarting (<id>)`, at debug level), so that is what this watches. Only the
// review app's page includes this (index.html.j2), in its head: the kernel connects later.
(function () {
  if (window.workbenchKernelLost) return;
  window.workbenchKernelLost = true;
  const lost = /^Kernel: (restarting|autorestarting|dead) /;
  const debug = console.debug.bind(console);
  let shown = false;
  console.debug = function (...args) {
    debug(...args);
    if (!shown && typeof args[0] === "string" && lost.test(args[0])) {
      shown = true;
      show();
    }
  };
  function show() {
    const box = document.createElement("div");
    box.className = "wb-error-summary wb-kernel-lost";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    box.setAttribute("aria-labelledby", "wb-kernel-lost-title");
    box.style.cssText =
      "border: 5px solid #d4351c; padding: 1em; margin: 1em; background: #fff; color: #0b0c0c;";
    box.innerHTML =
      '<h2 id="wb-kernel-lost-title" style="margin-top: 0">This page has stopped working</h2>' +
      "<p>A decision made on this page now would not be recorded. The decisions recorded " +
      "before are kept.</p><p><strong>Reload the page</strong> to carry on, then check the " +
      "last child you decided about.</p>";
    for (const element of document.body.children) element.inert = true;
    document.body.prepend(box);
    box.focus();
  }
})();
