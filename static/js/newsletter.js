// Newsletter page: the Copy buttons put the Markdown or plain text on the clipboard, or select it when the browser refuses.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".copy-status");
  try {
    await navigator.clipboard.writeText(source.value);
    status.textContent = "Copied.";
  } catch (error) {
    source.classList.add("visible");
    source.focus();
    source.select();
    const copied = document.execCommand && document.execCommand("copy");
    status.textContent = copied ? "Copied." : "Your browser blocked copying: the text is selected, press Ctrl+C (⌘C on a Mac).";
  }
});
