// Doctor's workspace. All text goes into the DOM through textContent.
"use strict";
(function () {
  const T = {
    "uz-Latn": { title: "Shifokor ish joyi", lang: "Til", signin: "Kirish", idpsignin: "Identifikatsiya tizimi orqali kirish", signout: "Chiqish", key: "Kalit yoki token", patient: "Bemor ID", encounter: "Qabul ID", age: "Yosh", sex: "Jins", male: "erkak", female: "ayol", dictation: "Diktovka", record: "Yozish", pause: "Pauza", resume: "Davom", stop: "Toʻxtatish", typed: "Matn (yozma diktovka)", submit: "Xulosa yaratish", transcript: "Transkript", note: "Tibbiy xulosa", ddx: "Differensial tashxis", working: "Ishlanmoqda…", done: "Tayyor", signh: "Imzolash", sign: "Imzolash va yuborish", retry: "Qayta yuborish", noasr: "Nutq dvigateli sozlanmagan; matnni yozing. ", err: "Xato: " },
    "uz-Cyrl": { title: "Шифокор иш жойи", lang: "Тил", signin: "Кириш", idpsignin: "Идентификация тизими орқали кириш", signout: "Чиқиш", key: "Калит ёки токен", patient: "Бемор ID", encounter: "Қабул ID", age: "Ёш", sex: "Жинс", male: "эркак", female: "аёл", dictation: "Диктовка", record: "Ёзиш", pause: "Пауза", resume: "Давом", stop: "Тўхтатиш", typed: "Матн (ёзма диктовка)", submit: "Хулоса яратиш", transcript: "Транскрипт", note: "Тиббий хулоса", ddx: "Дифференциал ташхис", working: "Ишланмоқда…", done: "Тайёр", signh: "Имзолаш", sign: "Имзолаш ва юбориш", retry: "Қайта юбориш", noasr: "Нутқ двигатели созланмаган; матнни ёзинг. ", err: "Хато: " },
    ru: { title: "Рабочее место врача", lang: "Язык", signin: "Вход", idpsignin: "Войти через систему идентификации", signout: "Выйти", key: "Ключ или токен", patient: "ID пациента", encounter: "ID приёма", age: "Возраст", sex: "Пол", male: "мужской", female: "женский", dictation: "Диктовка", record: "Запись", pause: "Пауза", resume: "Продолжить", stop: "Стоп", typed: "Текст (набранная диктовка)", submit: "Составить заключение", transcript: "Транскрипт", note: "Медицинское заключение", ddx: "Дифференциальный диагноз", working: "Обработка…", done: "Готово", signh: "Подпись", sign: "Подписать и отправить", retry: "Отправить снова", noasr: "Распознавание речи не настроено; наберите текст. ", err: "Ошибка: " }
  };
  const $ = (id) => document.getElementById(id);
  let lang = localStorage.getItem("oqim.lang") || "uz-Latn";
  const t = (k) => (T[lang] && T[lang][k]) || T["uz-Latn"][k] || k;
  function applyLang() {
    document.documentElement.lang = lang;
    $("lang").value = lang;
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    document.title = "Oqim — " + t("title");
  }
  $("lang").addEventListener("change", () => { lang = $("lang").value; localStorage.setItem("oqim.lang", lang); applyLang(); });
  $("key").value = sessionStorage.getItem("oqim.key") || "";
  $("key").addEventListener("change", () => sessionStorage.setItem("oqim.key", $("key").value.trim()));
  // A key, when typed, is sent as a bearer token; without one a
  // signed-in session's HttpOnly cookie (which this page never reads)
  // identifies the doctor.
  const auth = () => { const k = $("key").value.trim(); return k ? { Authorization: "Bearer " + k } : {}; };
  const status = (s) => { $("status").textContent = s; };

  async function api(method, path, body) {
    const r = await fetch(path, { method, headers: Object.assign({ "Content-Type": "application/json" }, auth()), body: body ? JSON.stringify(body) : undefined });
    const j = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error((j && (j.error || j.message)) || r.status);
    return j;
  }

  let evidence = [];
  let note = null;
  const age = () => Number($("age").value) || 0;

  function field(form, label, value, onChange, check) {
    const id = "f" + form.children.length;
    const l = document.createElement("label"); l.htmlFor = id; l.textContent = label;
    const inp = document.createElement(String(value).length > 60 ? "textarea" : "input"); inp.id = id; inp.value = value == null ? "" : String(value);
    inp.addEventListener("input", () => { const ok = !check || check(inp.value); inp.classList.toggle("invalid", !ok); inp.setAttribute("aria-invalid", String(!ok)); onChange(inp.value); });
    form.append(l, inp);
  }
  // Plausible ranges keep a mistyped vital from reaching a signed note.
  const RANGES = { temperature: [30, 45], pulse: [20, 250], heart_rate: [20, 250], spo2: [50, 100], respiratory_rate: [4, 80], systolic: [50, 280], diastolic: [20, 180] };
  function renderNote(n) {
    const f = $("note"); f.replaceChildren();
    if (!n || typeof n !== "object") return;
    for (const [k, v] of Object.entries(n)) {
      if (v && typeof v === "object" && !Array.isArray(v)) {
        for (const [k2, v2] of Object.entries(v)) {
          if (v2 !== null && typeof v2 === "object") continue;
          const r = RANGES[k2];
          field(f, k + " · " + k2, v2, (x) => { v[k2] = isNaN(Number(x)) || x === "" ? x : Number(x); }, r && ((x) => x === "" || (Number(x) >= r[0] && Number(x) <= r[1])));
        }
      } else if (Array.isArray(v)) {
        v.forEach((item, i) => {
          if (item && typeof item === "object") {
            for (const [k2, v2] of Object.entries(item)) if (typeof v2 !== "object") field(f, k + " " + (i + 1) + " · " + k2, v2, (x) => { item[k2] = x; });
          } else field(f, k + " " + (i + 1), item, (x) => { v[i] = x; });
        });
      } else field(f, k, v, (x) => { n[k] = x; });
    }
  }
  function renderDDX(d) {
    const ol = $("ddx"); ol.replaceChildren();
    for (const c of (d.conditions || [])) {
      const li = document.createElement("li");
      const cb = document.createElement("input"); cb.type = "checkbox"; cb.id = "c-" + (c.id || c.icd10);
      const l = document.createElement("label"); l.htmlFor = cb.id;
      l.textContent = [].concat(c.icd10 || []).join(", ") + " " + (c.name || c.id || "") + " — " + Math.round((c.probability || 0) * 100) + "%";
      if (c.red_flag) l.classList.add("red");
      li.append(cb, l);
      for (const [key, sign] of [["supporting", "+ "], ["opposing", "− "]]) {
        const ev = c[key] || c[key + "_evidence"];
        if (ev && ev.length) { const p = document.createElement("p"); p.textContent = sign + ev.map((e) => e.name || e.text || e.id || e).join(", "); li.append(p); }
      }
      ol.append(li);
    }
    const q = $("question"); q.replaceChildren();
    if (d.question) {
      const p = document.createElement("p"); p.textContent = d.question.text || d.question.question || d.question.id; q.append(p);
      const g = document.createElement("div"); g.setAttribute("role", "group"); g.setAttribute("aria-label", p.textContent);
      for (const ch of (d.question.choices || [])) {
        const b = document.createElement("button"); b.type = "button"; b.textContent = ch.label || ch.text || ch.id;
        b.addEventListener("click", () => { evidence.push({ id: d.question.id, choice_id: ch.id }); diagnose().catch((e) => status(t("err") + e.message)); });
        g.append(b);
      }
      q.append(g);
    }
  }
  let lastDDX = null, record = null;
  // Sign through the note lifecycle API: create the record once, keep the
  // edits and confirmed conditions (PUT with version), sign, then poll
  // delivery until it is delivered or failed.
  async function sign() {
    if (!note) return;
    if (!record) record = await api("POST", "/api/v1/clinical-notes", { patient_id: $("patient").value, encounter_id: $("encounter").value, note, differential: lastDDX, source: { text: $("text").value } });
    const confirmed = [];
    for (const c of ((lastDDX && lastDDX.conditions) || [])) {
      const cb = document.getElementById("c-" + (c.id || c.icd10));
      if (cb && cb.checked) confirmed.push({ icd10: [].concat(c.icd10 || [])[0] || "", name: c.name, condition_id: c.id });
    }
    record = await api("PUT", "/api/v1/clinical-notes/" + record.id, { note, confirmed_conditions: confirmed, version: record.version });
    record = await api("POST", "/api/v1/clinical-notes/" + record.id + "/sign", { version: record.version });
    poll();
  }
  async function poll() {
    for (let i = 0; i < 60; i++) {
      record = await api("GET", "/api/v1/clinical-notes/" + record.id);
      const dl = record.delivery || {};
      $("retry").hidden = record.status !== "failed";
      $("delivery").textContent = record.status + (dl.location ? " → " + dl.location : "") + (dl.last_error ? " (" + dl.last_error + ", " + dl.attempts + ")" : "");
      if (record.status === "delivered" || record.status === "failed") return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  $("sign").addEventListener("click", () => sign().catch((e) => { $("delivery").textContent = t("err") + e.message; }));
  $("retry").addEventListener("click", () => api("POST", "/api/v1/clinical-notes/" + record.id + "/deliver").then(poll).catch((e) => { $("delivery").textContent = t("err") + e.message; }));
  async function diagnose() {
    const d = await api("POST", "/api/v1/diagnosis", { age: age(), sex: $("sex").value, language: lang.startsWith("ru") ? "ru" : "uz", text: $("text").value, evidence });
    lastDDX = d; renderDDX(d);
  }
  async function fromText(text) {
    status(t("working"));
    const r = await api("POST", "/api/v1/notes", { text, age: age(), sex: $("sex").value });
    note = r.note || r; renderNote(note);
    // The notes endpoint's differential has no next question, so the
    // interactive engine is asked directly.
    await diagnose();
    status(t("done"));
  }
  $("submit").addEventListener("click", () => { evidence = []; record = null; fromText($("text").value).catch((e) => status(t("err") + e.message)); });

  // Recording: PCM from a ScriptProcessor, sent as 16-bit mono WAV.
  let ctx = null, proc = null, src = null, chunks = [], paused = false, started = 0, tick = null;
  $("rec").addEventListener("click", async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      ctx = new AudioContext(); src = ctx.createMediaStreamSource(stream);
      proc = ctx.createScriptProcessor(4096, 1, 1); chunks = []; paused = false;
      proc.onaudioprocess = (e) => {
        if (paused) return;
        const d = e.inputBuffer.getChannelData(0); chunks.push(new Float32Array(d));
        let s = 0; for (const x of d) s += x * x; $("level").value = Math.min(1, Math.sqrt(s / d.length) * 4);
      };
      src.connect(proc); proc.connect(ctx.destination);
      started = Date.now(); tick = setInterval(() => { const s = Math.floor((Date.now() - started) / 1000); $("timer").textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }, 500);
      $("rec").disabled = true; $("pause").disabled = false; $("stop").disabled = false;
      src.mediaStream = stream;
    } catch (e) { status(t("err") + e.message); }
  });
  $("pause").addEventListener("click", () => { paused = !paused; $("pause").textContent = t(paused ? "resume" : "pause"); });
  $("stop").addEventListener("click", () => {
    clearInterval(tick); proc.disconnect(); src.disconnect(); src.mediaStream.getTracks().forEach((x) => x.stop());
    const wav = toWAV(chunks, ctx.sampleRate); ctx.close();
    $("rec").disabled = false; $("pause").disabled = true; $("stop").disabled = true;
    upload(wav);
  });
  function toWAV(parts, rate) {
    const n = parts.reduce((a, p) => a + p.length, 0), b = new DataView(new ArrayBuffer(44 + n * 2));
    const w = (o, s) => { for (let i = 0; i < s.length; i++) b.setUint8(o + i, s.charCodeAt(i)); };
    w(0, "RIFF"); b.setUint32(4, 36 + n * 2, true); w(8, "WAVEfmt "); b.setUint32(16, 16, true); b.setUint16(20, 1, true); b.setUint16(22, 1, true);
    b.setUint32(24, rate, true); b.setUint32(28, rate * 2, true); b.setUint16(32, 2, true); b.setUint16(34, 16, true); w(36, "data"); b.setUint32(40, n * 2, true);
    let o = 44; for (const p of parts) for (const x of p) { b.setInt16(o, Math.max(-1, Math.min(1, x)) * 0x7fff, true); o += 2; }
    return new Blob([b], { type: "audio/wav" });
  }
  function upload(wav) {
    const fd = new FormData(); fd.append("audio", wav, "visit.wav"); fd.append("language", "auto");
    fd.append("patient_id", $("patient").value); fd.append("encounter_id", $("encounter").value);
    const x = new XMLHttpRequest(); x.open("POST", "/api/v1/transcriptions"); if (auth().Authorization) x.setRequestHeader("Authorization", auth().Authorization);
    x.upload.onprogress = (e) => { if (e.lengthComputable) $("upload").value = e.loaded / e.total; };
    x.onload = () => {
      let j = {}; try { j = JSON.parse(x.responseText); } catch (e) { /* empty body */ }
      if (x.status === 503) { status(t("noasr") + (j.error || "")); return; }
      if (x.status === 200) { showTranscript(j.transcript); note = j.note; renderNote(note); diagnoseFrom(j); return; }
      if (x.status === 202) { follow(x.getResponseHeader("Location")); return; }
      status(t("err") + (j.error || x.status));
    };
    status(t("working")); x.send(fd);
  }
  function transcriptText(tr) { return tr ? (tr.text || (tr.segments || []).map((s) => s.text).join(" ")) : ""; }
  function showTranscript(tr) { $("transcript").textContent = transcriptText(tr); $("text").value = transcriptText(tr); }
  function diagnoseFrom() { diagnose().then(() => status(t("done"))).catch((e) => status(t("err") + e.message)); }
  async function follow(loc) {
    // EventSource cannot send a Bearer header, so the events are read from a fetch stream.
    const r = await fetch(loc + "/events", { headers: auth() });
    const rd = r.body.getReader(), dec = new TextDecoder(); let buf = "";
    for (;;) {
      const { value, done } = await rd.read(); if (done) break;
      buf += dec.decode(value, { stream: true });
      let i; while ((i = buf.indexOf("\n\n")) >= 0) {
        const ev = buf.slice(0, i); buf = buf.slice(i + 2);
        const type = (ev.match(/^event: ?(.*)$/m) || [])[1], data = (ev.match(/^data: ?(.*)$/m) || [])[1];
        if (type === "segment" && data) { const s = JSON.parse(data); const p = document.createElement("span"); p.textContent = (s.text || "") + " "; $("transcript").append(p); }
        if (type === "done" || type === "failed") { const j = await api("GET", loc); if (j.transcript) showTranscript(j.transcript); if (j.note) { note = j.note; renderNote(note); } diagnoseFrom(); return; }
      }
    }
  }
  // Sign-in through the identity provider, when the server offers it.
  async function account() {
    const r = await fetch("/auth/doctor/session", { headers: { Accept: "application/json" }, cache: "no-store" }).catch(() => null);
    if (!r || !r.ok) return;
    const a = await r.json();
    $("account").hidden = false;
    $("idp-signin").href = a.login;
    $("idp-signin").hidden = a.signed_in;
    $("signout").hidden = !a.signed_in;
    $("whoami").textContent = a.signed_in ? a.name + " (" + a.id + ")" : "";
    $("whoami").dataset.doctor = a.signed_in ? a.id : "";
    $("signout").onclick = async () => { await fetch(a.logout, { method: "POST", cache: "no-store" }); location.reload(); };
  }
  applyLang();
  account();
})();
