/* Chronicle — photo gallery lightbox. Without JavaScript each photo is a plain link to its
   large version. Keys: ← and → step through the photos, Escape closes (a native <dialog>). */
(() => {
  'use strict';
  const links = Array.from(document.querySelectorAll('a[data-lightbox]'));
  if (!links.length || typeof HTMLDialogElement !== 'function') return;

  const dialog = document.createElement('dialog');
  dialog.className = 'lightbox';
  dialog.setAttribute('aria-label', 'Photo viewer');
  dialog.innerHTML =
    '<figure><img alt=""><figcaption></figcaption></figure>' +
    '<p class="lightbox-nav">' +
    '<button type="button" class="button small secondary" data-step="-1">← Previous</button>' +
    '<span class="lightbox-count" aria-live="polite"></span>' +
    '<button type="button" class="button small secondary" data-step="1">Next →</button>' +
    '<button type="button" class="button small" data-close>Close</button></p>';
  document.body.appendChild(dialog);
  const img = dialog.querySelector('img');
  const caption = dialog.querySelector('figcaption');
  const count = dialog.querySelector('.lightbox-count');
  let index = 0;
  let opener = null;

  function show(i) {
    index = (i + links.length) % links.length;
    const link = links[index];
    const thumb = link.querySelector('img');
    img.src = link.href;
    img.alt = thumb ? thumb.alt : '';
    caption.textContent = link.getAttribute('data-caption') || '';
    count.textContent = (index + 1) + ' of ' + links.length;
  }

  links.forEach((link, i) => {
    link.addEventListener('click', (event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
        return; // a new tab or window: the plain link
      }
      event.preventDefault();
      opener = link;
      show(i);
      dialog.showModal();
    });
  });

  dialog.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowLeft') { show(index - 1); event.preventDefault(); }
    if (event.key === 'ArrowRight') { show(index + 1); event.preventDefault(); }
  });
  dialog.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target === dialog || target.closest('[data-close]')) { dialog.close(); return; }
    const step = target.closest('[data-step]');
    if (step) show(index + Number(step.getAttribute('data-step')));
  });
  dialog.addEventListener('close', () => {
    img.removeAttribute('src');
    if (opener) opener.focus();
  });
})();
