// The review app's page when it can no longer record anything, said at the top in GOV.UK's
// error summary style, announced by screen readers and given the focus, with everything else
// on the page made inert, so that no decision can seem to be recorded. Decisions recorded
// before are in the store. Two ways it happens:
//
// - its kernel stops (killed, out of memory): Voilà restarts the kernel, but the page's
//   widgets belonged to the one that died, so a click would record nothing and say nothing.
//   The only sign the page gets is the status JupyterLab's kernel connection logs
//   (`Kernel: restarting (<id>)`, at debug level), so that is what this watches;
// - the app itself stops (`review serve` ended, the server restarted) or its kernel is gone:
//   the page asks the app every few seconds whether its kernel is still there
//   (`GET api/kernels/<id>`), and two failed answers in a row mean it has gone.
//
// Only the review app's page includes this (index.html.j2), in its head: the kernel connects
// later, and the page's configuration (the kernel's id) is read once it is there.
(function () {
  if (window.workbenchKernelLost) return;
  window.workbenchKernelLost = true;
  const POLL_MS = 5000;
  const lost = /^Kernel: (restarting|autorestarting|dead) /;
  const STOPPED =
    '<h2 id="wb-kernel-lost-title" style="margin-top: 0">This page has stopped working</h2>' +
    "<p>A decision made on this page now would not be recorded. The decisions recorded " +
    "before are kept.</p><p><strong>Reload the page</strong> to carry on, then check the " +
    "last child you decided about.</p>";
  const UNREACHABLE =
    '<h2 id="wb-kernel-lost-title" style="margin-top: 0">This page has lost the review ' +
    "app</h2><p>The review app has stopped, or cannot be reached: a decision made on this " +
    "page now would not be recorded. The decisions recorded before are kept.</p><p>Ask " +
    "whoever runs the app to start it again, then <strong>reload the page</strong> and " +
    "check the last child you decided about.</p>";
  const debug = console.debug.bind(console);
  let shown = false;
  console.debug = function (...args) {
    debug(...args);
    if (typeof args[0] === "string" && lost.test(args[0])) show(STOPPED);
  };
  let failures = 0;
  const poll = setInterval(async function () {
    const config = document.getElementById("jupyter-config-data");
    if (shown || config === null) return;
    const { baseUrl, kernelId } = JSON.parse(config.textContent);
    if (!kernelId) return;
    let ok = false;
    try {
      const answer = await fetch(`${baseUrl || "/"}api/kernels/${kernelId}`, {
        credentials: "same-origin",
        cache: "no-store",
      });
      ok = answer.ok;
    } catch (error) {
      ok = false; // the server does not answer at all
    }
    failures = ok ? 0 : failures + 1;
    if (failures >= 2) show(UNREACHABLE);
  }, POLL_MS);
  function show(text) {
    if (shown) return;
    shown = true;
    clearInterval(poll);
    const box = document.createElement("div");
    box.className = "wb-error-summary wb-kernel-lost";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    box.setAttribute("aria-labelledby", "wb-kernel-lost-title");
    box.style.cssText =
      "border: 5px solid #d4351c; padding: 1em; margin: 1em; background: #fff; color: #0b0c0c;";
    box.innerHTML = text;
    for (const element of document.body.children) element.inert = true;
    document.body.prepend(box);
    box.focus();
  }
})();
