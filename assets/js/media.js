/* Chronicle — media library: drop files onto the upload form to upload them.
   Without JavaScript (or drag and drop) the form's file button does the same. */
(() => {
  'use strict';
  const form = document.querySelector('form[data-dropzone]');
  if (!form || typeof DataTransfer === 'undefined') return;
  const input = form.querySelector('input[type="file"]');
  if (!input) return;
  const hint = form.querySelector('.drop-hint');
  if (hint) hint.hidden = false;

  let depth = 0;
  const hasFiles = (event) => event.dataTransfer &&
    Array.prototype.indexOf.call(event.dataTransfer.types, 'Files') !== -1;

  form.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth += 1;
    form.classList.add('is-dragging');
  });
  form.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  form.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) form.classList.remove('is-dragging');
  });
  form.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    form.classList.remove('is-dragging');
    input.files = event.dataTransfer.files;
    form.classList.add('is-uploading');
    form.submit();
  });
})();
