// A button that copies its `text` to the clipboard and says so.
function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "kl-copy-button jupyter-button";
  const label = () => model.get("label");
  button.textContent = label();
  button.title = "Copy to the clipboard";
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(model.get("text"));
      button.textContent = "Copied ✓";
    } catch (error) {
      button.textContent = "Copy failed: select the text and press Ctrl+C";
    }
    setTimeout(() => { button.textContent = label(); }, 2000);
  });
  model.on("change:label", () => { button.textContent = label(); });
  const sync = () => { button.disabled = !model.get("text"); };
  model.on("change:text", sync);
  sync();
  el.appendChild(button);
}
export default { render };
