// The progressive enhancements of a form with a body (reports and static pages). Without JavaScript the form is complete: the
// body is a textarea that takes plain text or basic HTML. With it:
// - the textarea becomes a Trix rich-text editor (vendored, assets/vendor/trix), unless the
//   body holds markup Trix cannot keep (tables, small headings, embeds…), which stays as HTML;
// - a button switches between the editor and the HTML source;
// - photos and PDFs dropped into the editor go to the media library;
// - the page tells the server every half minute that it is still open, and shows who else has
//   the report open;
// - leaving with unsaved changes asks first.
(function () {
  "use strict";

  var source = document.getElementById("body");
  var form = source && source.form;
  if (!form) return;
  var csrf = form.querySelector("input[name=csrf_token]");
  var submitting = false;
  var dirty = false;
  form.addEventListener("submit", function () { submitting = true; });
  form.addEventListener("input", function () { dirty = true; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- Presence heartbeat --------------------------------------------------------------
  var notes = document.querySelector(".presence-notes[data-presence-url]");
  if (notes && csrf && window.fetch) {
    var url = notes.getAttribute("data-presence-url");
    var show = function (lines) {
      while (notes.firstChild) notes.removeChild(notes.firstChild);
      lines.forEach(function (line) {
        var p = document.createElement("p");
        p.className = "flash flash-notice presence";
        p.textContent = line;
        notes.appendChild(p);
      });
    };
    var beat = function () {
      var body = new URLSearchParams({ csrf_token: csrf.value });
      fetch(url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (res) {
          if (res.redirected || !res.ok) {
            if (res.redirected) {
              show(["You have been signed out. Your text is safe: press a save button, sign in, " +
                    "and the form comes back filled in."]);
            }
            return null;
          }
          return res.json();
        })
        .then(function (data) { if (data && data.others) show(data.others); })
        .catch(function () { /* offline for a moment: try again at the next beat */ });
    };
    window.setInterval(beat, 30000);
    window.addEventListener("pagehide", function () {
      if (submitting || !navigator.sendBeacon) return;
      navigator.sendBeacon(url, new URLSearchParams({ csrf_token: csrf.value, leave: "1" }));
    });
  }

  // --- Rich-text editor --------------------------------------------------------------
  if (!window.Trix || !window.customElements) return;

  // The report's title is the page's h1, so the editor's one heading level is h2.
  Trix.config.blockAttributes.heading1.tagName = "h2";
  Trix.config.lang.heading1 = "Heading";
  Trix.config.lang.attachFiles = "Add a photo or PDF (stored in the media library)";
  // Captions are typed by people, not made of file names and sizes.
  Trix.config.attachments.preview.caption = { name: false, size: false };

  // Elements the server keeps but Trix would silently drop when it loads the text.
  var UNSUPPORTED = /<(table|h3|h4|iframe|sub|sup|hr|code|u|s|caption|ol\s+start)\b/i;

  var escapeHtml = function (text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  };
  // Plain text (as typed without JavaScript) becomes paragraphs, as the server would do.
  var asHtml = function (text) {
    if (/<[a-zA-Z\/!]/.test(text)) return text;
    return text.replace(/\r\n/g, "\n").split(/\n\s*\n/).map(function (p) {
      p = p.trim();
      return p ? "<p>" + escapeHtml(p).replace(/\n/g, "<br>") + "</p>" : "";
    }).join("");
  };

  var field = source.closest(".field");
  var label = field.querySelector("label[for=body]");
  var hint = document.getElementById("body-hint");
  label.id = "body-label";

  var input = document.createElement("input");
  input.type = "hidden";
  input.id = "body-input";
  input.value = asHtml(source.value);

  var editor = document.createElement("trix-editor");
  editor.setAttribute("input", "body-input");
  editor.id = "body-editor";
  editor.className = "prose trix-content";
  editor.setAttribute("aria-labelledby", "body-label");
  editor.setAttribute("aria-describedby", "body-hint");

  var toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "button secondary small body-toggle";

  var visual = false;
  var useVisual = function () {
    input.name = "body";
    source.removeAttribute("name");
    source.hidden = true;
    editor.hidden = false;
    if (editor.toolbarElement) editor.toolbarElement.hidden = false;
    label.setAttribute("for", "body-editor");
    toggle.textContent = "Edit the HTML source";
    hint.textContent = "Use the toolbar for headings, bold, links, quotes and lists. " +
      "Anything unsafe is removed when you save.";
    visual = true;
  };
  var useSource = function () {
    source.name = "body";
    input.removeAttribute("name");
    source.hidden = false;
    editor.hidden = true;
    if (editor.toolbarElement) editor.toolbarElement.hidden = true;
    label.setAttribute("for", "body");
    toggle.textContent = "Back to the visual editor";
    hint.textContent = "HTML source. Headings, lists, links, quotes and tables are kept; " +
      "anything unsafe is removed when you save.";
    visual = false;
  };

  toggle.addEventListener("click", function () {
    if (visual) {
      source.value = input.value;
      useSource();
      source.focus();
    } else {
      if (UNSUPPORTED.test(source.value) &&
          !window.confirm("The visual editor cannot keep tables, small headings, embedded " +
                          "videos and some other markup in this text; they would be lost " +
                          "when you save. Switch anyway?")) {
        return;
      }
      editor.editor.loadHTML(asHtml(source.value));
      useVisual();
      editor.focus();
    }
  });

  // Files dropped, pasted or attached go to the media library (images and PDFs; the server
  // checks them again) and appear in the text from there. Forms without an upload address
  // refuse files rather than keeping them only in this browser.
  var uploadUrl = form.getAttribute("data-upload-url");
  var problem = document.createElement("p");
  problem.className = "field-error";
  problem.setAttribute("role", "alert");
  problem.hidden = true;
  var complain = function (message) {
    problem.textContent = message;
    problem.hidden = false;
  };
  editor.addEventListener("trix-file-accept", function (event) {
    if (!uploadUrl) {
      event.preventDefault();
      return;
    }
    var type = event.file.type || "";
    if (!/^image\/(jpeg|png|webp|gif)$/.test(type) && type !== "application/pdf") {
      event.preventDefault();
      complain("“" + event.file.name + "” was not added: photos (JPEG, PNG, WebP, GIF) and " +
               "PDF documents only.");
    }
  });
  editor.addEventListener("trix-attachment-add", function (event) {
    var attachment = event.attachment;
    if (!attachment.file || !uploadUrl) return;
    problem.hidden = true;
    var data = new FormData();
    data.append("file", attachment.file);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl, true);
    xhr.setRequestHeader("X-CSRF-Token", csrf ? csrf.value : "");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) attachment.setUploadProgress(e.loaded / e.total * 100);
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      var file = body && body.files && body.files[0];
      if (xhr.status === 201 && file) {
        var attributes = { url: file.url };
        if (file.width) {
          attributes.width = file.width;
          attributes.height = file.height;
        } else {
          attributes.href = file.href;
        }
        attachment.setAttributes(attributes);
        dirty = true;
      } else {
        attachment.remove();
        complain((body && body.error) ||
                 "The upload failed (" + xhr.status + "). Nothing was added to the text.");
      }
    });
    xhr.addEventListener("error", function () {
      attachment.remove();
      complain("The upload failed: the server could not be reached. Nothing was added.");
    });
    xhr.send(data);
  });
  editor.addEventListener("trix-change", function () { dirty = true; });

  source.parentNode.insertBefore(input, source);
  source.parentNode.insertBefore(editor, source);
  hint.parentNode.insertBefore(toggle, hint.nextSibling);
  hint.parentNode.insertBefore(problem, hint);
  if (!uploadUrl) field.classList.add("no-uploads");

  editor.addEventListener("trix-initialize", function () {
    if (UNSUPPORTED.test(source.value)) {
      useSource();
      var note = document.createElement("p");
      note.className = "hint";
      note.textContent = "This text contains tables, small headings, embedded videos or other " +
        "markup that the visual editor cannot keep, so it is shown as HTML.";
      hint.parentNode.insertBefore(note, toggle);
    } else {
      useVisual();
    }
  }, { once: true });
})();
