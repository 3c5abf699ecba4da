// Doctor's workspace. All text goes into the DOM through textContent.
"use strict";
(function () {
  const T = {
    "uz-Latn": { st_draft: "Qoralama", st_signed: "Imzolandi, yuborilmoqda…", st_delivered: "Yuborildi", st_failed: "Yuborilmadi", invalid: "Qizil maydonlarni tuzating", complaints: "Shikoyatlar", history: "Anamnez", objective: "Obʼektiv koʻrik", assessment: "Tashxis", plan: "Reja", temperature_c: "Harorat, °C", pulse: "Puls, 1 daqiqada", bp_systolic: "Sistolik bosim, mm sim. ust.", bp_diastolic: "Diastolik bosim, mm sim. ust.", spo2: "SpO₂, %", medication: "Dori", name: "nomi", dose_value: "doza", dose_unit: "birlik", times_per_day: "kuniga necha marta", duration_days: "necha kun", route: "qabul yoʻli", title: "Shifokor ish joyi", lang: "Til", signin: "Kirish", idpsignin: "Identifikatsiya tizimi orqali kirish", signout: "Chiqish", key: "Kalit yoki token", patient: "Bemor ID", encounter: "Qabul ID", age: "Yosh", sex: "Jins", male: "erkak", female: "ayol", dictation: "Diktovka", record: "Yozish", pause: "Pauza", resume: "Davom", stop: "Toʻxtatish", typed: "Matn (yozma diktovka)", submit: "Xulosa yaratish", transcript: "Transkript", note: "Tibbiy xulosa", ddx: "Differensial tashxis", working: "Ishlanmoqda…", done: "Tayyor", signh: "Imzolash", sign: "Imzolash va yuborish", retry: "Qayta yuborish", noasr: "Nutq dvigateli sozlanmagan; matnni yozing. ", err: "Xato: " },
    "uz-Cyrl": { st_draft: "Қоралама", st_signed: "Имзоланди, юборилмоқда…", st_delivered: "Юборилди", st_failed: "Юборилмади", invalid: "Қизил майдонларни тузатинг", complaints: "Шикоятлар", history: "Анамнез", objective: "Объектив кўрик", assessment: "Ташхис", plan: "Режа", temperature_c: "Ҳарорат, °C", pulse: "Пульс, 1 дақиқада", bp_systolic: "Систолик босим, мм сим. уст.", bp_diastolic: "Диастолик босим, мм сим. уст.", spo2: "SpO₂, %", medication: "Дори", name: "номи", dose_value: "доза", dose_unit: "бирлик", times_per_day: "кунига неча марта", duration_days: "неча кун", route: "қабул йўли", title: "Шифокор иш жойи", lang: "Тил", signin: "Кириш", idpsignin: "Идентификация тизими орқали кириш", signout: "Чиқиш", key: "Калит ёки токен", patient: "Бемор ID", encounter: "Қабул ID", age: "Ёш", sex: "Жинс", male: "эркак", female: "аёл", dictation: "Диктовка", record: "Ёзиш", pause: "Пауза", resume: "Давом", stop: "Тўхтатиш", typed: "Матн (ёзма диктовка)", submit: "Хулоса яратиш", transcript: "Транскрипт", note: "Тиббий хулоса", ddx: "Дифференциал ташхис", working: "Ишланмоқда…", done: "Тайёр", signh: "Имзолаш", sign: "Имзолаш ва юбориш", retry: "Қайта юбориш", noasr: "Нутқ двигатели созланмаган; матнни ёзинг. ", err: "Хато: " },
    ru: { st_draft: "Черновик", st_signed: "Подписано, отправляется…", st_delivered: "Доставлено", st_failed: "Не доставлено", invalid: "Исправьте поля, выделенные красным", complaints: "Жалобы", history: "Анамнез", objective: "Объективно", assessment: "Диагноз", plan: "План", temperature_c: "Температура, °C", pulse: "Пульс, в минуту", bp_systolic: "Систолическое давление, мм рт. ст.", bp_diastolic: "Диастолическое давление, мм рт. ст.", spo2: "SpO₂, %", medication: "Препарат", name: "название", dose_value: "доза", dose_unit: "единица", times_per_day: "раз в день", duration_days: "дней", route: "путь введения", title: "Рабочее место врача", lang: "Язык", signin: "Вход", idpsignin: "Войти через систему идентификации", signout: "Выйти", key: "Ключ или токен", patient: "ID пациента", encounter: "ID приёма", age: "Возраст", sex: "Пол", male: "мужской", female: "женский", dictation: "Диктовка", record: "Запись", pause: "Пауза", resume: "Продолжить", stop: "Стоп", typed: "Текст (набранная диктовка)", submit: "Составить заключение", transcript: "Транскрипт", note: "Медицинское заключение", ddx: "Дифференциальный диагноз", working: "Обработка…", done: "Готово", signh: "Подпись", sign: "Подписать и отправить", retry: "Отправить снова", noasr: "Распознавание речи не настроено; наберите текст. ", err: "Ошибка: " }
  };
  const $ = (id) => document.getElementById(id);
  let lang = localStorage.getItem("oqim.lang") || "uz-Latn";
  const t = (k) => (T[lang] && T[lang][k]) || T["uz-Latn"][k] || k;
  function applyLang() {
    document.documentElement.lang = lang;
    $("lang").value = lang;
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    document.title = "Oqim — " + t("title");
    if (note) renderNote(note);
  }
  $("lang").addEventListener("change", () => { lang = $("lang").value; localStorage.setItem("oqim.lang", lang); applyLang(); });
  $("key").value = sessionStorage.getItem("oqim.key") || "";
  $("key").addEventListener("change", () => sessionStorage.setItem("oqim.key", $("key").value.trim()));
  // A key, when typed, is sent as a bearer token; without one a
  // signed-in session's HttpOnly cookie (which this page never reads)
  // identifies the doctor.
  const auth = () => { const k = $("key").value.trim(); return k ? { Authorization: "Bearer " + k } : {}; };
  const status = (s) => { $("status").textContent = s; };

  // errText is the message of Oqim's error body {"error": {"field", "detail"}}.
  const errText = (j, code) => {
    const e = j && j.error;
    if (e && typeof e === "object") return (e.field ? e.field + ": " : "") + (e.detail || e.reason || code);
    return (e || (j && j.message) || code) + "";
  };
  async function api(method, path, body) {
    const r = await fetch(path, { method, headers: Object.assign({ "Content-Type": "application/json" }, auth()), body: body ? JSON.stringify(body) : undefined });
    const j = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(errText(j, r.status));
    return j;
  }

  let evidence = [];
  // answers names the value the doctor chose for each answered
  // categorical or multi-choice finding ("id/value" → label), so the
  // differential says "travel abroad: no" rather than just the finding.
  let answers = {};
  let note = null;
  const age = () => Number($("age").value) || 0;

  // field adds one labelled input (a textarea for long text) whose id is
  // "n-" + path, so a field keeps its id across renders and languages.
  function field(form, path, label, value, long, onChange, check) {
    const id = "n-" + path.replace(/\./g, "-");
    const l = document.createElement("label"); l.htmlFor = id; l.textContent = label;
    const inp = document.createElement(long ? "textarea" : "input"); inp.id = id; inp.value = value == null ? "" : String(value);
    if (long) inp.rows = Math.min(6, 1 + Math.floor(inp.value.length / 70));
    const validate = () => { const ok = !check || check(inp.value.trim()); inp.classList.toggle("invalid", !ok); inp.setAttribute("aria-invalid", String(!ok)); return ok; };
    validate();
    inp.addEventListener("input", () => { if (validate()) onChange(inp.value.trim()); });
    form.append(l, inp);
  }
  // Plausible ranges keep a mistyped vital from reaching a signed note.
  // The keys are the note's vitals (notes.Vitals), the ranges its own;
  // only the temperature has decimals.
  const RANGES = { temperature_c: [30, 45], pulse: [20, 250], bp_systolic: [50, 300], bp_diastolic: [20, 200], spo2: [50, 100] };
  const SECTIONS = ["complaints", "history", "objective", "assessment", "plan"];
  const MED = ["name", "dose_value", "dose_unit", "times_per_day", "duration_days", "route"];
  const NUMERIC = { dose_value: true, times_per_day: true, duration_days: true };
  // renderNote shows every section and vital, said or not, so the doctor
  // can add what the dictation missed. Edits go into n at once; an
  // emptied field is removed, an invalid one is not taken.
  function renderNote(n) {
    const f = $("note"); f.replaceChildren(); $("sign").disabled = false;
    if (!n || typeof n !== "object") return;
    n.sections = n.sections || {}; n.vitals = n.vitals || {};
    for (const k of SECTIONS) {
      field(f, "sections." + k, t(k), n.sections[k], true, (x) => { if (x) n.sections[k] = x; else delete n.sections[k]; });
    }
    for (const [k, r] of Object.entries(RANGES)) {
      const ok = (x) => x === "" || (/^\d+([.,]\d)?$/.test(x) && (k === "temperature_c" || Number.isInteger(Number(x.replace(",", ".")))) && Number(x.replace(",", ".")) >= r[0] && Number(x.replace(",", ".")) <= r[1]);
      field(f, "vitals." + k, t(k), n.vitals[k], false, (x) => { if (x) n.vitals[k] = Number(x.replace(",", ".")); else delete n.vitals[k]; }, ok);
    }
    (n.medications || []).forEach((m, i) => {
      for (const k of MED) {
        field(f, "medications." + i + "." + k, t("medication") + " " + (i + 1) + " · " + t(k), m[k], false, (x) => {
          if (x === "") delete m[k]; else m[k] = NUMERIC[k] ? Number(x.replace(",", ".")) : x;
        }, NUMERIC[k] && ((x) => x === "" || /^\d+([.,]\d+)?$/.test(x)));
      }
    });
  }
  function renderDDX(d) {
    const ol = $("ddx"); ol.replaceChildren();
    if (d.warning) { const li = document.createElement("li"); li.textContent = d.warning; ol.append(li); }
    for (const c of (d.conditions || [])) {
      const li = document.createElement("li");
      const cb = document.createElement("input"); cb.type = "checkbox"; cb.id = "c-" + (c.id || c.icd10);
      const l = document.createElement("label"); l.htmlFor = cb.id;
      l.textContent = [].concat(c.icd10 || []).join(", ") + " " + (c.name || c.id || "") + " — " + Math.round((c.probability || 0) * 100) + "%";
      if (c.red_flag) l.classList.add("red");
      li.append(cb, l);
      for (const [key, sign] of [["supporting", "+ "], ["opposing", "− "]]) {
        const ev = c[key] || c[key + "_evidence"];
        const said = (e) => (e.name || e.text || e.id || e) + ((e.values && e.values.length) ? ": " + e.values.map((v, i) => (e.value_names && e.value_names[i]) || answers[e.id + "/" + v] || v).join(", ") : "");
        if (ev && ev.length) { const p = document.createElement("p"); p.textContent = sign + ev.map(said).join("; "); li.append(p); }
      }
      ol.append(li);
    }
    const q = $("question"); q.replaceChildren();
    if (d.question) {
      const p = document.createElement("p"); p.textContent = d.question.text || d.question.question || d.question.id; q.append(p);
      const g = document.createElement("div"); g.setAttribute("role", "group"); g.setAttribute("aria-label", p.textContent);
      for (const ch of (d.question.choices || [])) {
        const b = document.createElement("button"); b.type = "button"; b.textContent = ch.label || ch.text || ch.id;
        // A yes/no question is answered present/absent; a categorical
        // one with its value, a multi-choice one with the chosen value.
        const ans = d.question.type === "categorical" ? { id: d.question.id, value: ch.id }
          : d.question.type === "multiple" ? { id: d.question.id, values: [ch.id] }
          : { id: d.question.id, choice_id: ch.id };
        b.addEventListener("click", () => { evidence.push(ans); answers[d.question.id + "/" + ch.id] = b.textContent; diagnose().catch((e) => status(t("err") + e.message)); });
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
    // A value the form refused is not in the note; signing then would
    // sign what the doctor no longer sees.
    if (document.querySelector("#note [aria-invalid=true]")) throw new Error(t("invalid"));
    if (!record) record = await api("POST", "/api/v1/clinical-notes", { patient_id: $("patient").value, encounter_id: $("encounter").value, note, differential: lastDDX, source: { text: $("text").value } });
    const confirmed = [];
    for (const c of ((lastDDX && lastDDX.conditions) || [])) {
      const cb = document.getElementById("c-" + (c.id || c.icd10));
      if (cb && cb.checked) confirmed.push({ icd10: [].concat(c.icd10 || [])[0] || "", name: c.name, condition_id: c.id });
    }
    record = await api("PUT", "/api/v1/clinical-notes/" + record.id, { note, confirmed_conditions: confirmed, version: record.version });
    record = await api("POST", "/api/v1/clinical-notes/" + record.id + "/sign", { version: record.version });
    // A signed note is final: the form no longer takes edits.
    document.querySelectorAll("#note input, #note textarea, #ddx input, #question button, #sign").forEach((e) => { e.disabled = true; });
    poll();
  }
  async function poll() {
    for (let i = 0; i < 60; i++) {
      record = await api("GET", "/api/v1/clinical-notes/" + record.id);
      const dl = record.delivery || {};
      $("retry").hidden = record.status !== "failed";
      $("delivery").dataset.status = record.status;
      $("delivery").textContent = t("st_" + record.status) + (dl.location ? " → " + dl.location : "") + (dl.last_error ? " (" + dl.last_error + ", " + dl.attempts + ")" : "");
      if (record.status === "delivered" || record.status === "failed") return;
      // Delivery usually takes well under a second: look soon, then every second.
      await new Promise((r) => setTimeout(r, Math.min(1000, 250 * 2 ** i)));
    }
  }
  $("sign").addEventListener("click", () => sign().catch((e) => { $("delivery").textContent = t("err") + e.message; }));
  $("retry").addEventListener("click", () => api("POST", "/api/v1/clinical-notes/" + record.id + "/deliver").then(poll).catch((e) => { $("delivery").textContent = t("err") + e.message; }));
  // findingsText is what the patient has, as the note's complaints,
  // history and examination tell it (its diagnosis when those are empty):
  // the plan's drugs and the diagnosis's words ("ибупрофен", "острый
  // тонзиллит") are not findings, and read as NSAID use and sharp pain.
  function findingsText() {
    const s = (note && note.sections) || {};
    return [s.complaints, s.history, s.objective].filter(Boolean).join("\n") || s.assessment || $("text").value;
  }
  async function diagnose() {
    // The page's language as it is: "uz" alone answered an Uzbek
    // Cyrillic page in Latin script.
    const d = await api("POST", "/api/v1/diagnosis", { age: age(), sex: $("sex").value, language: lang, text: findingsText(), evidence });
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
  $("submit").addEventListener("click", () => { evidence = []; answers = {}; record = null; fromText($("text").value).catch((e) => status(t("err") + e.message)); });

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
    evidence = []; answers = {}; record = null;
    const fd = new FormData(); fd.append("audio", wav, "visit.wav"); fd.append("language", "auto");
    fd.append("patient_id", $("patient").value); fd.append("encounter_id", $("encounter").value);
    const x = new XMLHttpRequest(); x.open("POST", "/api/v1/transcriptions"); if (auth().Authorization) x.setRequestHeader("Authorization", auth().Authorization);
    x.upload.onprogress = (e) => { if (e.lengthComputable) $("upload").value = e.loaded / e.total; };
    x.onload = () => {
      let j = {}; try { j = JSON.parse(x.responseText); } catch (e) { /* empty body */ }
      if (x.status === 503) { status(t("noasr") + errText(j, "")); return; }
      if (x.status === 200) { showTranscript(j.transcript); note = j.note; renderNote(note); diagnoseFrom(j); return; }
      if (x.status === 202) { follow(x.getResponseHeader("Location")); return; }
      status(t("err") + errText(j, x.status));
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
