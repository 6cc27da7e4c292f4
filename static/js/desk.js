// Every page: say plainly when an htmx request fails instead of doing nothing.
(function () {
  "use strict";
  function show(message) {
    const box = document.getElementById("request-problem");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box.hideTimer);
    box.hideTimer = setTimeout(() => { box.hidden = true; }, 10000);
  }
  // The server's 403 page says what the role cannot do; show that sentence.
  function refusal(xhr) {
    const page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    const sentence = page.querySelector("[data-refusal]");
    return sentence ? sentence.textContent.trim() : "";
  }
  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr.status;
    if (status === 403) show(refusal(event.detail.xhr) || "Your role does not allow this action.");
    else if (status === 404) show("That item no longer exists; reload the page.");
    else if (status >= 500) show(`The desk hit an error (${status}); nothing was changed. Try again, or tell an admin.`);
    else show(`The request was refused (${status}).`);
  });
  document.addEventListener("htmx:sendError", () => {
    show("The desk cannot be reached; check your connection. Nothing was saved.");
  });
})();
