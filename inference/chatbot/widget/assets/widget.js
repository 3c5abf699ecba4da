// <oqim-chat>: the Single Portal chatbot as a web component.
// Attributes: api (base URL of /api/v1/chat, default "/api/v1/chat"),
// lang ("uz-Latn", "uz-Cyrl", "ru" or "en": the language of the controls;
// answers follow the language the citizen writes in).
// All text from the server is inserted with textContent, never as HTML.
(function () {
  "use strict";
  if (customElements.get("oqim-chat")) return;

  var UI = {
    "uz-Latn": { title: "Yagona portal yordamchisi", label: "Savolingiz", placeholder: "Masalan: QQSni qanday qaytarib olaman?", send: "Yuborish", operator: "Operator bilan gaplashish", up: "Javob foydali boʻldi", down: "Javob foydali boʻlmadi", you: "Siz", bot: "Yordamchi", sources: "Manbalar", thanks: "Rahmat, fikringiz qabul qilindi.", error: "Xatolik yuz berdi. Iltimos, 1242 ga qoʻngʻiroq qiling.", wait: "Javob yozilmoqda…", busy: "Juda koʻp soʻrov. {s} soniyadan keyin qayta urinib koʻring.", suggest: "Koʻp soʻraladigan savollar", ticket: "Murojaat raqami", call: "1242 ga qoʻngʻiroq qilib, shu raqamni ayting.",
      examples: ["Sudlanmaganlik haqida maʼlumotnoma qanday olinadi?", "Kam taʼminlangan oilaga bolalar nafaqasi", "QQSni qanday qaytarib olaman?", "OneID parolimni unutdim"] },
    "uz-Cyrl": { title: "Ягона портал ёрдамчиси", label: "Саволингиз", placeholder: "Масалан: ҚҚСни қандай қайтариб оламан?", send: "Юбориш", operator: "Оператор билан гаплашиш", up: "Жавоб фойдали бўлди", down: "Жавоб фойдали бўлмади", you: "Сиз", bot: "Ёрдамчи", sources: "Манбалар", thanks: "Раҳмат, фикрингиз қабул қилинди.", error: "Хатолик юз берди. Илтимос, 1242 га қўнғироқ қилинг.", wait: "Жавоб ёзилмоқда…", busy: "Жуда кўп сўров. {s} сониядан кейин қайта уриниб кўринг.", suggest: "Кўп сўраладиган саволлар", ticket: "Мурожаат рақами", call: "1242 га қўнғироқ қилиб, шу рақамни айтинг.",
      examples: ["Судланмаганлик ҳақида маълумотнома қандай олинади?", "Кам таъминланган оилага болалар нафақаси", "ҚҚСни қандай қайтариб оламан?", "OneID паролимни унутдим"] },
    "ru": { title: "Помощник Единого портала", label: "Ваш вопрос", placeholder: "Например: как вернуть НДС?", send: "Отправить", operator: "Связаться с оператором", up: "Ответ полезен", down: "Ответ не помог", you: "Вы", bot: "Помощник", sources: "Источники", thanks: "Спасибо, отзыв принят.", error: "Произошла ошибка. Пожалуйста, позвоните 1242.", wait: "Пишу ответ…", busy: "Слишком много запросов. Повторите через {s} с.", suggest: "Частые вопросы", ticket: "Номер обращения", call: "Позвоните 1242 и назовите этот номер.",
      examples: ["Как получить справку о несудимости?", "Как получить декретные?", "Как вернуть НДС?", "Забыл пароль OneID"] },
    "en": { title: "Single Portal assistant", label: "Your question", placeholder: "For example: how do I get a VAT refund?", send: "Send", operator: "Talk to an operator", up: "This answer helped", down: "This answer did not help", you: "You", bot: "Assistant", sources: "Sources", thanks: "Thank you for the feedback.", error: "Something went wrong. Please call 1242.", wait: "Writing the answer…", busy: "Too many requests. Try again in {s} s.", suggest: "Common questions", ticket: "Ticket number", call: "Call 1242 and give this number.",
      examples: ["How do I get a police clearance certificate?", "How do I claim maternity benefit?", "How do I get a VAT refund?", "I forgot my OneID password"] }
  };

  var CSS = [
    "oqim-chat{display:block;max-width:40rem;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a}",
    ".oqc{border:1px solid #5f6b7a;border-radius:8px;background:#fff;display:flex;flex-direction:column}",
    ".oqc h2{margin:0;padding:.6rem 1rem;font-size:1.1rem;background:#0b4f8a;color:#fff;border-radius:8px 8px 0 0}",
    ".oqc-log{height:26rem;overflow-y:auto;padding:1rem;display:flex;flex-direction:column;gap:.75rem}",
    ".oqc-msg{max-width:90%;padding:.5rem .75rem;border-radius:8px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".oqc-user{align-self:flex-end;background:#e3edf7;color:#10243a}",
    ".oqc-bot{align-self:flex-start;background:#f1f3f5;color:#1a1a1a}",
    ".oqc-who{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
    ".oqc-cites{margin:.5rem 0 0;padding-left:1.2rem;font-size:.9rem}",
    ".oqc-cites a{color:#0b4f8a;text-decoration:underline}",
    ".oqc-fb{margin-top:.4rem;display:flex;gap:.4rem}",
    ".oqc button{font:inherit;cursor:pointer;border-radius:6px;border:2px solid #0b4f8a;padding:.35rem .8rem;background:#0b4f8a;color:#fff}",
    ".oqc button.oqc-secondary{background:#fff;color:#0b4f8a}",
    ".oqc button[aria-pressed=true]{background:#10243a;border-color:#10243a;color:#fff}",
    ".oqc button:disabled{opacity:.6;cursor:not-allowed}",
    ".oqc :focus-visible{outline:3px solid #b35900;outline-offset:2px}",
    ".oqc form{display:flex;flex-wrap:wrap;gap:.5rem;padding:.75rem 1rem;border-top:1px solid #5f6b7a}",
    ".oqc label{flex-basis:100%;font-weight:600}",
    ".oqc textarea{flex:1;min-width:12rem;font:inherit;padding:.4rem;border:1px solid #5f6b7a;border-radius:6px;resize:vertical;color:#1a1a1a}",
    ".oqc-status{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
    ".oqc-suggest{display:flex;flex-direction:column;align-items:flex-start;gap:.4rem}",
    ".oqc-suggest p{margin:0;font-weight:600}",
    ".oqc .oqc-suggest button{text-align:left;white-space:normal}",
    ".oqc-src{display:block;font-size:.8rem;color:#3d4753}",
    ".oqc-ticket{margin:.5rem 0 0;padding:.4rem .6rem;border:2px solid #0b4f8a;border-radius:6px;font-weight:600;white-space:normal}",
    "@media (max-width:30rem){.oqc-log{height:60vh;padding:.6rem}.oqc form{padding:.6rem}.oqc-msg{max-width:100%}.oqc textarea{min-width:0;flex-basis:100%}.oqc form button{flex:1 1 auto}}"
  ].join("\n");

  var seq = 0;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }

  function safeURL(u) {
    try { var x = new URL(u, location.href); return (x.protocol === "https:" || x.protocol === "http:") ? x.href : null; }
    catch (e) { return null; }
  }

  class OqimChat extends HTMLElement {
    connectedCallback() {
      if (this._ready) return;
      this._ready = true;
      var id = "oqc" + (++seq);
      this.api = (this.getAttribute("api") || "/api/v1/chat").replace(/\/$/, "");
      var lang = this.getAttribute("lang") || "uz-Latn";
      this.t = UI[lang] || UI["uz-Latn"];
      if (!document.getElementById("oqim-chat-style")) {
        var st = el("style", { id: "oqim-chat-style" }); st.textContent = CSS; document.head.appendChild(st);
      }
      var t = this.t;
      var box = el("section", { "class": "oqc", "aria-labelledby": id + "-title" });
      box.appendChild(el("h2", { id: id + "-title" }, t.title));
      // The log is the live region: screen readers announce each message
      // once it is complete (aria-busy hides the streaming in between).
      this.log = el("div", { "class": "oqc-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-labelledby": id + "-title", tabindex: "0", id: id + "-log" });
      box.appendChild(this.log);
      var form = el("form", { "aria-label": t.title });
      form.appendChild(el("label", { "for": id + "-input" }, t.label));
      this.input = el("textarea", { id: id + "-input", rows: "2", maxlength: "1000", placeholder: t.placeholder, autocomplete: "off", "class": "oqc-input" });
      form.appendChild(this.input);
      this.sendBtn = el("button", { type: "submit", "class": "oqc-send" }, t.send);
      form.appendChild(this.sendBtn);
      this.opBtn = el("button", { type: "button", "class": "oqc-secondary oqc-operator" }, t.operator);
      form.appendChild(this.opBtn);
      box.appendChild(form);
      this.status = el("div", { "class": "oqc-status", role: "status", "aria-live": "polite" });
      box.appendChild(this.status);
      this.appendChild(box);

      var self = this;
      form.addEventListener("submit", function (ev) { ev.preventDefault(); self.send(); });
      this.input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); self.send(); }
      });
      this.opBtn.addEventListener("click", function () { self.operator(); });
      this.renderSuggestions();
    }

    // renderSuggestions offers example questions while the chat is empty;
    // choosing one asks it. They go once the first message is sent.
    renderSuggestions() {
      var t = this.t, self = this;
      var group = el("div", { "class": "oqc-suggest", role: "group", "aria-labelledby": this.log.id + "-suggest" });
      group.appendChild(el("p", { id: this.log.id + "-suggest" }, t.suggest));
      t.examples.forEach(function (q) {
        var b = el("button", { type: "button", "class": "oqc-secondary oqc-example" }, q);
        b.addEventListener("click", function () { self.input.value = q; self.send(); });
        group.appendChild(b);
      });
      this.suggestions = group;
      this.log.appendChild(group);
    }

    async session() {
      if (this.sid) return this.sid;
      var r = await fetch(this.api + "/sessions", { method: "POST" });
      if (!r.ok) throw await this.failure(r);
      this.sid = (await r.json()).session_id;
      return this.sid;
    }

    async failure(r) {
      if (r.status === 429) return new Error(this.t.busy.replace("{s}", r.headers.get("Retry-After") || "1"));
      if (r.status === 404) this.sid = null;
      try { var j = await r.json(); if (j.error && j.error.detail) return new Error(j.error.detail); } catch (e) {}
      return new Error(this.t.error);
    }

    addMessage(role, text) {
      var m = el("div", { "class": "oqc-msg oqc-" + role });
      m.appendChild(el("span", { "class": "oqc-who" }, (role === "user" ? this.t.you : this.t.bot) + ": "));
      var body = el("span", { "class": "oqc-text" }, text);
      m.appendChild(body);
      this.log.appendChild(m);
      this.log.scrollTop = this.log.scrollHeight;
      return m;
    }

    setBusy(b) {
      this.sendBtn.disabled = b; this.opBtn.disabled = b;
      this.log.setAttribute("aria-busy", b ? "true" : "false");
      this.status.textContent = b ? this.t.wait : "";
    }

    async send() {
      var q = this.input.value.trim();
      if (!q || this.sendBtn.disabled) return;
      this.input.value = "";
      if (this.suggestions) { this.suggestions.remove(); this.suggestions = null; }
      this.addMessage("user", q);
      this.setBusy(true);
      var msg = this.addMessage("bot", "");
      var body = msg.querySelector(".oqc-text");
      try {
        var sid = await this.session();
        var r = await fetch(this.api + "/sessions/" + encodeURIComponent(sid) + "/messages", {
          method: "POST", headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
          body: JSON.stringify({ text: q })
        });
        if (!r.ok) throw await this.failure(r);
        var done = await this.readStream(r, body);
        if (!done) throw new Error(this.t.error);
        body.textContent = done.text;
        msg.setAttribute("data-kind", done.kind || "");
        this.renderCitations(msg, done.citations || []);
        this.renderTicket(msg, done.ticket_id);
        if (done.kind === "answer") this.renderFeedback(msg, done.id);
      } catch (e) {
        body.textContent = e.message || this.t.error;
        msg.setAttribute("data-kind", "error");
      } finally {
        this.setBusy(false);
        this.log.scrollTop = this.log.scrollHeight;
        this.input.focus();
      }
    }

    // readStream parses Server-Sent Events from a fetch response, showing
    // deltas as they come, and returns the final message.
    async readStream(r, body) {
      var reader = r.body.getReader(), dec = new TextDecoder(), buf = "", done = null, self = this;
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buf += dec.decode(chunk.value, { stream: true });
        var i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          var block = buf.slice(0, i); buf = buf.slice(i + 2);
          var name = "message", data = "";
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event: ") === 0) name = line.slice(7);
            else if (line.indexOf("data: ") === 0) data += line.slice(6);
          });
          if (!data) continue;
          var v = JSON.parse(data);
          if (name === "meta") body.textContent = "";
          else if (name === "delta") { body.textContent += v.text; self.log.scrollTop = self.log.scrollHeight; }
          else if (name === "done") done = v;
          else if (name === "error") throw new Error((v.error && v.error.detail) || self.t.error);
        }
      }
      return done;
    }

    renderCitations(msg, cites) {
      if (!cites.length) return;
      var list = el("ul", { "class": "oqc-cites", "aria-label": this.t.sources });
      cites.forEach(function (c) {
        var li = el("li");
        var href = c.url ? safeURL(c.url) : null;
        var a = href ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, "[" + c.id + "] " + c.title) : el("span", null, "[" + c.id + "] " + c.title);
        li.appendChild(a);
        // What the entry rests on: the decree and item, with the decree's
        // own wording (Uzbek Cyrillic) as a tooltip and for screen readers.
        if (c.source) {
          var src = el("span", { "class": "oqc-src" }, c.source);
          if (c.source_title) { src.setAttribute("title", c.source_title); src.appendChild(el("span", { "class": "oqc-who", lang: "uz-Cyrl" }, ": " + c.source_title)); }
          li.appendChild(src);
        }
        list.appendChild(li);
      });
      msg.appendChild(list);
    }

    // renderTicket ends a handoff with its ticket number, set apart so the
    // citizen can read it out to the 1242 operator.
    renderTicket(msg, ticket) {
      if (!ticket) return;
      var p = el("p", { "class": "oqc-ticket", "data-ticket": ticket }, this.t.ticket + ": " + ticket + ". " + this.t.call);
      msg.appendChild(p);
    }

    renderFeedback(msg, messageID) {
      var t = this.t, self = this;
      var group = el("div", { "class": "oqc-fb", role: "group", "aria-label": t.up + " / " + t.down });
      [["up", "✓", t.up], ["down", "✗", t.down]].forEach(function (f) {
        var b = el("button", { type: "button", "class": "oqc-secondary oqc-rate-" + f[0], "aria-label": f[2], "aria-pressed": "false", title: f[2] }, f[1]);
        b.addEventListener("click", function () {
          group.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", "false"); });
          b.setAttribute("aria-pressed", "true");
          fetch(self.api + "/sessions/" + encodeURIComponent(self.sid) + "/feedback", {
            method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ message_id: messageID, rating: f[0], resolved: f[0] === "up" })
          }).then(function (r) { if (r.ok) self.status.textContent = t.thanks; });
        });
        group.appendChild(b);
      });
      msg.appendChild(group);
    }

    async operator() {
      this.setBusy(true);
      if (this.suggestions) { this.suggestions.remove(); this.suggestions = null; }
      var msg = this.addMessage("bot", "");
      var body = msg.querySelector(".oqc-text");
      try {
        var sid = await this.session();
        var r = await fetch(this.api + "/sessions/" + encodeURIComponent(sid) + "/handoff", { method: "POST" });
        if (!r.ok) throw await this.failure(r);
        var m = await r.json();
        body.textContent = m.text;
        msg.setAttribute("data-kind", "handoff");
        this.renderCitations(msg, m.citations || []);
        this.renderTicket(msg, m.ticket_id);
      } catch (e) {
        body.textContent = e.message || this.t.error;
      } finally {
        this.setBusy(false);
        this.input.focus();
      }
    }
  }
  customElements.define("oqim-chat", OqimChat);
})();
