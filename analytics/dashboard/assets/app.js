// Digital Region dashboard. Plain JavaScript, no build step and no
// third-party code: it reads /api/v1/kpi/... and draws the map and the
// charts as SVG. Every chart has a data table beside it.
'use strict';
(function () {
  // ---------------------------------------------------------------- strings
  const I18N = {
    uz: {
      skip: 'Asosiy qismga oʻtish',
      title: 'Raqamli hudud — vaziyat markazi',
      subtitle: 'PQ-286 qarori koʻrsatkichlari: 14 hudud, real vaqtda',
      language: 'Til', period: 'Davr', p30: 'Soʻnggi 30 kun', p90: 'Soʻnggi 90 kun', p365: 'Soʻnggi 12 oy',
      asOf: 'Maʼlumotlar holati', refreshEvery: 'har {n} soniyada yangilanadi', refreshNow: 'Hozir yangilash',
      loading: 'Yuklanmoqda…', key: 'Kirish kaliti', keySave: 'Qoʻllash', keyClear: 'Kalitni unutish',
      keyHelp: 'BI avtorizatsiya talab qilsa kerak boʻladi. Faqat shu brauzer oynasida saqlanadi.',
      signIn: 'Kirish', signOut: 'Chiqish', signedInAs: '{name}: {scope}', allRegions: 'barcha hududlar',
      needSignIn: 'Maʼlumotlarni koʻrish uchun tizimga kiring (“Kirish”).',
      needKey: 'BI kirish kalitini talab qiladi: uni «Kirish kaliti» maydoniga kiriting.',
      badKey: 'Kirish kaliti qabul qilinmadi.', forbidden: 'Sizning ruxsatingiz buni qamrab olmaydi.',
      failed: 'Tahlil xizmati javob bermadi; oxirgi maʼlumotlar koʻrsatilmoqda.',
      national: 'Oʻzbekiston — umumiy manzara', country: 'Oʻzbekiston', back: 'Umumiy manzaraga qaytish',
      mapTitle: 'Hududlar koʻrsatkich boʻyicha', indicator: 'Koʻrsatkich',
      mapHint: 'Hududni ochish uchun uni bosing yoki Tab bilan tanlab Enter bosing.',
      legend: 'Shartli belgilar', noData: 'maʼlumot yoʻq', lowerBetter: 'kamroq — yaxshiroq', target: 'maqsad', plan: 'reja',
      region: 'Hudud', rankTitle: 'Hududlar reytingi', dataTable: 'Maʼlumotlar jadvali', periodCol: 'Davr', open: 'ochish',
      applications: 'Berilgan arizalar', electronic: 'Elektron ulush', fibre: 'Optik tola: reja bajarilishi',
      stations: 'Tayanch stansiyalar: reja bajarilishi', calls: '112: javob vaqti medianasi', appeals: 'Hal etilgan murojaatlar',
      projects: 'Kechikkan loyihalar',
      subElectronic: '{n} tadan {e} tasi elektron', subApps: 'elektron: {e}', subFibre: '2025–26 rejasi {p} km dan {a} km',
      subStations: '2025–26 rejasi {p} tadan {a} ta', subStationsHead: 'qaror: {h}', subCalls: '{n} ta chaqiruv; xizmatlar medianalarining oʻrtachasi',
      subAppeals: '{s} tadan {r} tasi hal etildi', subProjects: '{n} tadan {l} tasi kechikmoqda, {d} tasi bajarildi',
      targetIs: 'maqsad {t}',
      chElectronic: 'Elektron arizalar ulushi', chApplications: 'Berilgan arizalar', chProcessing: 'Koʻrib chiqish vaqti, soat',
      chFibre: 'Optik tola: 2025-yil 1-yanvardan qurilgan km (jami)', chStations: 'Tayanch stansiyalar: 2025-yil 1-yanvardan (jami)',
      chCalls: '112: xizmatlar boʻyicha javob vaqti medianasi, soniya', chAppeals: 'Murojaatlar: kelib tushgan va hal etilgan',
      tServices: 'Eng koʻp soʻralgan xizmatlar', tProjects: 'Qaror loyihalari ijrochilar boʻyicha',
      cApplications: 'Arizalar', cElectronic: 'Elektron', cShare: 'Ulush', cMedian: 'Mediana', cP90: '90-persentil', cLegal: 'Qonuniy muddat (mediana)',
      cFibre: 'Qurilgan km', cFibreCum: 'Jami km', cStations: 'Stansiyalar', cStationsCum: 'Jami', cCalls: 'Chaqiruvlar',
      cSubmitted: 'Kelib tushgan', cResolved: 'Hal etilgan', cRate: 'Hal etilish', cService: 'Xizmat', cAgency: 'Idora',
      cRefusal: 'Rad etish', cHours: 'Mediana, soat', cExecutor: 'Ijrochi', cAnnex: 'Ilova', cProjects: 'Loyihalar',
      cOnTime: 'Oʻz vaqtida', cLate: 'Kechikkan', cDone: 'Bajarilgan', cPlan2025: 'Reja 2025', cPlan2026: 'Reja 2025–26', cHeadline: 'Qaror koʻrsatkichi',
      svc: { fire: 'yongʻin', police: 'politsiya', ambulance: 'tez yordam', gas: 'gaz', rescue: 'qutqaruv' },
      annex: { regional: 'hududiy', sector: 'tarmoq', roadmap: 'yoʻl xaritasi' },
      hours: 'soat', seconds: 's', km: 'km', noRows: 'Bu davrda maʼlumot yoʻq.', opened: '{r} ochildi.', updated: 'Maʼlumotlar yangilandi.',
      footer: 'Manba: Oqim Digital Region BI (/api/v1/kpi). Jadvallar har bir diagrammaning maʼlumotlarini takrorlaydi.',
    },
    ru: {
      skip: 'Перейти к содержанию',
      title: 'Цифровой регион — ситуационный центр',
      subtitle: 'Показатели постановления ПП-286: 14 регионов в реальном времени',
      language: 'Язык', period: 'Период', p30: 'Последние 30 дней', p90: 'Последние 90 дней', p365: 'Последние 12 месяцев',
      asOf: 'Данные на', refreshEvery: 'обновление каждые {n} с', refreshNow: 'Обновить',
      loading: 'Загрузка…', key: 'Ключ доступа', keySave: 'Применить', keyClear: 'Забыть ключ',
      keyHelp: 'Нужен, если BI требует авторизации. Хранится только в этой вкладке браузера.',
      signIn: 'Войти', signOut: 'Выйти', signedInAs: '{name}: {scope}', allRegions: 'все регионы',
      needSignIn: 'Войдите, чтобы увидеть данные («Войти»).',
      needKey: 'BI требует ключ доступа: введите его в поле «Ключ доступа».',
      badKey: 'Ключ доступа не принят.', forbidden: 'Ваш доступ этого не охватывает.',
      failed: 'Аналитический сервис не ответил; показаны последние данные.',
      national: 'Узбекистан — общая картина', country: 'Узбекистан', back: 'К общей картине',
      mapTitle: 'Регионы по показателю', indicator: 'Показатель',
      mapHint: 'Чтобы открыть регион, щёлкните по нему или выберите клавишей Tab и нажмите Enter.',
      legend: 'Легенда', noData: 'нет данных', lowerBetter: 'меньше — лучше', target: 'цель', plan: 'план',
      region: 'Регион', rankTitle: 'Рейтинг регионов', dataTable: 'Таблица данных', periodCol: 'Период', open: 'открыть',
      applications: 'Поданные заявления', electronic: 'Доля электронных', fibre: 'ВОЛС: выполнение плана',
      stations: 'Базовые станции: выполнение плана', calls: '112: медиана времени реагирования', appeals: 'Решённые обращения',
      projects: 'Проекты с отставанием',
      subElectronic: '{e} из {n} — электронно', subApps: 'электронно: {e}', subFibre: '{a} из {p} км по плану 2025–26',
      subStations: '{a} из {p} по плану 2025–26', subStationsHead: 'постановление: {h}', subCalls: '{n} вызовов; среднее медиан служб',
      subAppeals: 'решено {r} из {s}', subProjects: '{l} из {n} отстают, {d} выполнено',
      targetIs: 'цель {t}',
      chElectronic: 'Доля электронных заявлений', chApplications: 'Поданные заявления', chProcessing: 'Срок рассмотрения, часы',
      chFibre: 'ВОЛС: построено км с 1 января 2025 г. (нарастающим итогом)', chStations: 'Базовые станции с 1 января 2025 г. (нарастающим итогом)',
      chCalls: '112: медиана времени реагирования по службам, секунды', chAppeals: 'Обращения: поступившие и решённые',
      tServices: 'Самые востребованные услуги', tProjects: 'Проекты постановления по исполнителям',
      cApplications: 'Заявления', cElectronic: 'Электронно', cShare: 'Доля', cMedian: 'Медиана', cP90: '90-й перцентиль', cLegal: 'Законный срок (медиана)',
      cFibre: 'Построено, км', cFibreCum: 'Итого, км', cStations: 'Станции', cStationsCum: 'Итого', cCalls: 'Вызовы',
      cSubmitted: 'Поступило', cResolved: 'Решено', cRate: 'Доля решённых', cService: 'Услуга', cAgency: 'Ведомство',
      cRefusal: 'Отказы', cHours: 'Медиана, ч', cExecutor: 'Исполнитель', cAnnex: 'Приложение', cProjects: 'Проекты',
      cOnTime: 'В срок', cLate: 'С отставанием', cDone: 'Выполнено', cPlan2025: 'План 2025', cPlan2026: 'План 2025–26', cHeadline: 'Постановление',
      svc: { fire: 'пожарная', police: 'полиция', ambulance: 'скорая помощь', gas: 'газовая', rescue: 'спасатели' },
      annex: { regional: 'региональные', sector: 'отраслевые', roadmap: 'дорожная карта' },
      hours: 'ч', seconds: 'с', km: 'км', noRows: 'За этот период данных нет.', opened: 'Открыт регион: {r}.', updated: 'Данные обновлены.',
      footer: 'Источник: Oqim Digital Region BI (/api/v1/kpi). Таблицы повторяют данные каждой диаграммы.',
    },
    en: {
      skip: 'Skip to content',
      title: 'Digital Region — situation room',
      subtitle: 'Decree PQ-286 indicators: 14 regions, live',
      language: 'Language', period: 'Period', p30: 'Last 30 days', p90: 'Last 90 days', p365: 'Last 12 months',
      asOf: 'Data as of', refreshEvery: 'updates every {n} s', refreshNow: 'Refresh now',
      loading: 'Loading…', key: 'Access key', keySave: 'Use key', keyClear: 'Forget key',
      keyHelp: 'Needed when the BI requires authorisation. Kept only in this browser tab.',
      signIn: 'Sign in', signOut: 'Sign out', signedInAs: '{name}: {scope}', allRegions: 'all regions',
      needSignIn: 'Sign in to see the data (“Sign in”).',
      needKey: 'The BI requires an access key: enter it under “Access key”.',
      badKey: 'The access key was not accepted.', forbidden: 'Your access does not cover this.',
      failed: 'The analytics service did not answer; showing the last data.',
      national: 'Uzbekistan — national overview', country: 'Uzbekistan', back: 'Back to national overview',
      mapTitle: 'Regions by indicator', indicator: 'Indicator',
      mapHint: 'Open a region by clicking it, or Tab to it and press Enter.',
      legend: 'Legend', noData: 'no data', lowerBetter: 'lower is better', target: 'target', plan: 'plan',
      region: 'Region', rankTitle: 'Regions ranked', dataTable: 'Data table', periodCol: 'Period', open: 'open',
      applications: 'Applications submitted', electronic: 'Electronic share', fibre: 'Fibre-optic lines vs plan',
      stations: 'Base stations vs plan', calls: '112 median response', appeals: 'Appeals resolved',
      projects: 'Decree projects late',
      subElectronic: '{e} of {n} electronic', subApps: 'electronic: {e}', subFibre: '{a} of {p} km planned for 2025–26',
      subStations: '{a} of {p} planned for 2025–26', subStationsHead: 'decree: {h}', subCalls: '{n} calls; mean of service medians',
      subAppeals: '{r} of {s} resolved', subProjects: '{l} of {n} late, {d} done',
      targetIs: 'target {t}',
      chElectronic: 'Electronic share of applications', chApplications: 'Applications submitted', chProcessing: 'Processing time, hours',
      chFibre: 'Fibre-optic km built since 1 January 2025 (cumulative)', chStations: 'Base stations commissioned since 1 January 2025 (cumulative)',
      chCalls: '112 median response time by service, seconds', chAppeals: 'Appeals submitted and resolved',
      tServices: 'Most requested services', tProjects: 'Decree projects by executor',
      cApplications: 'Applications', cElectronic: 'Electronic', cShare: 'Share', cMedian: 'Median', cP90: '90th percentile', cLegal: 'Legal deadline (median)',
      cFibre: 'Built, km', cFibreCum: 'Cumulative, km', cStations: 'Stations', cStationsCum: 'Cumulative', cCalls: 'Calls',
      cSubmitted: 'Submitted', cResolved: 'Resolved', cRate: 'Resolution rate', cService: 'Service', cAgency: 'Agency',
      cRefusal: 'Refusal rate', cHours: 'Median, h', cExecutor: 'Executor', cAnnex: 'Annex', cProjects: 'Projects',
      cOnTime: 'On time', cLate: 'Late', cDone: 'Done', cPlan2025: 'Plan 2025', cPlan2026: 'Plan 2025–26', cHeadline: 'Decree headline',
      svc: { fire: 'fire', police: 'police', ambulance: 'ambulance', gas: 'gas', rescue: 'rescue' },
      annex: { regional: 'regional', sector: 'sector', roadmap: 'roadmap' },
      hours: 'h', seconds: 's', km: 'km', noRows: 'No data for this period.', opened: 'Opened {r}.', updated: 'Data updated.',
      footer: 'Source: Oqim Digital Region BI (/api/v1/kpi). Every chart has a data table with the same numbers.',
    },
  };
  const LOCALE = { uz: 'uz-Latn-UZ', ru: 'ru-RU', en: 'en-GB' };
  const HTML_LANG = { uz: 'uz-Latn', ru: 'ru', en: 'en' };
  const TZ = 'Asia/Tashkent';

  // ------------------------------------------------------------------ state
  const params = new URLSearchParams(location.search);
  const main = document.getElementById('content');
  const API = main.dataset.api;
  const state = {
    lang: pickLang(),
    days: 30,
    indicator: 'electronic',
    region: null, // ISO code, or null for the national overview
    ref: null, // /dashboard/regions.json
    map: null, // national data by region
    scope: null, // data of the national overview or the open region
    asOf: null,
    loads: 0,
    busy: false,
    account: null, // /auth/bi/session, or null without sign-in
  };
  const refreshSeconds = Math.max(5, Math.min(3600, parseInt(params.get('refresh') || '60', 10) || 60));
  const KEY_STORE = 'oqim.bi.key';
  // The server's sign-in, when it offers one (oidc.public_url): the
  // session lives in an HttpOnly cookie the page never sees; the page only
  // asks who is signed in, to show it.
  const SIGN_IN = '/auth/bi/';

  function pickLang() {
    const q = params.get('lang');
    if (q && I18N[q]) return q;
    try {
      const s = localStorage.getItem('oqim.dashboard.lang');
      if (s && I18N[s]) return s;
    } catch (e) { /* storage may be disabled */ }
    const n = (navigator.language || '').slice(0, 2);
    return I18N[n] ? n : 'uz';
  }
  const t = (k, vars) => {
    let s = I18N[state.lang][k];
    if (s === undefined) s = I18N.en[k] || k;
    if (vars) for (const [n, v] of Object.entries(vars)) s = s.split('{' + n + '}').join(v);
    return s;
  };
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------- formatting
  const nf = (opts) => new Intl.NumberFormat(LOCALE[state.lang], opts);
  const fmtInt = (v) => nf({ maximumFractionDigits: 0 }).format(v);
  const fmtNum = (v, d) => nf({ minimumFractionDigits: d, maximumFractionDigits: d }).format(v);
  const fmtPct = (v) => nf({ style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v);
  function fmtDate(iso, gran) {
    const d = new Date(iso.length === 10 ? iso + 'T00:00:00Z' : iso);
    const loc = LOCALE[state.lang];
    if (gran === 'month') return new Intl.DateTimeFormat(loc, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
    if (gran === 'quarter') return 'Q' + (Math.floor(d.getUTCMonth() / 3) + 1) + ' ' + d.getUTCFullYear();
    return new Intl.DateTimeFormat(loc, { day: 'numeric', month: 'short', year: gran === 'year' ? 'numeric' : undefined, timeZone: 'UTC' }).format(d);
  }
  function fmtTime(iso) {
    const d = new Date(iso);
    return new Intl.DateTimeFormat(LOCALE[state.lang], { dateStyle: 'medium', timeStyle: 'medium', timeZone: TZ }).format(d) + ' (UTC+5)';
  }
  const regionName = (id) => {
    const r = state.ref && state.ref.regions.find((x) => x.id === id);
    return r ? r.name[state.lang] || r.name.en : id;
  };

  // --------------------------------------------------------------- the API
  // Whole UTC days: the last N days up to and including today.
  function period() {
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
    const to = today + 86400000;
    const from = to - state.days * 86400000;
    const gran = state.days <= 31 ? 'day' : state.days <= 92 ? 'week' : 'month';
    // Cumulative telecom progress starts with the plans, 1 January 2025
    // (the API accepts periods of up to three years).
    const tel = Math.max(Date.UTC(2025, 0, 1), to - 1090 * 86400000);
    // 112 response medians per service are noisy day by day: one step coarser.
    const callsGran = { day: 'week', week: 'month', month: 'quarter' }[gran];
    return { from: iso(from), to: iso(to), gran, callsGran, telFrom: iso(tel) };
  }

  class APIError extends Error {
    constructor(status, msg) { super(msg); this.status = status; }
  }

  async function get(path, q) {
    const url = API + path + '?' + new URLSearchParams(q).toString();
    const headers = { Accept: 'application/json' };
    const key = sessionKey();
    if (key) headers.Authorization = 'Bearer ' + key;
    let resp = await fetch(url, { headers, cache: 'no-store' });
    // The server bounds the queries running at once (per caller and in
    // all); a panel told to wait asks again after the
    // seconds it was given (up to five times).
    for (let tries = 0; resp.status === 429 && tries < 5; tries++) {
      const wait = Math.min(5, Number(resp.headers.get('Retry-After')) || 1);
      await new Promise((done) => setTimeout(done, wait * 1000));
      resp = await fetch(url, { headers, cache: 'no-store' });
    }
    let body = null;
    try { body = await resp.json(); } catch (e) { /* not JSON */ }
    if (!resp.ok) {
      const m = body && body.error && body.error.detail;
      throw new APIError(resp.status, m || resp.statusText);
    }
    if (body.as_of && (!state.asOf || body.as_of > state.asOf)) state.asOf = body.as_of;
    return body;
  }

  function sessionKey() {
    try { return sessionStorage.getItem(KEY_STORE) || ''; } catch (e) { return ''; }
  }

  // ------------------------------------------------------------ aggregation
  const sum = (rows, f) => rows.reduce((a, r) => a + (Number(r[f]) || 0), 0);
  const ratio = (a, b) => (b > 0 ? a / b : 0);
  function groupBy(rows, key) {
    const m = new Map();
    for (const r of rows) {
      const k = r[key];
      if (!m.has(k)) m.set(k, []);
      m.get(k).push(r);
    }
    return m;
  }

  // summary turns the responses of one place (the country, or a region)
  // into the tile figures; the browser test recomputes them from the API.
  function summary(d) {
    const apps = sum(d.electronic.rows, 'applications');
    const el = sum(d.electronic.rows, 'electronic');
    const plan = d.plan.rows;
    const fibreBuilt = sum(plan, 'fibre_km_2025') + sum(plan, 'fibre_km_2026');
    const fibrePlan = sum(plan, 'plan_fibre_km_2025') + sum(plan, 'plan_fibre_km_2026');
    const bsBuilt = sum(plan, 'base_stations_2025') + sum(plan, 'base_stations_2026');
    const bsPlan = sum(plan, 'plan_base_stations_2025') + sum(plan, 'plan_base_stations_2026');
    const calls = sum(d.calls.rows, 'calls');
    const weighted = d.calls.rows.reduce((a, r) => a + r.calls * r.median_seconds, 0);
    const submitted = sum(d.appeals.rows, 'submitted');
    const resolved = sum(d.appeals.rows, 'resolved');
    const projects = sum(d.projects.rows, 'projects');
    const late = sum(d.projects.rows, 'late');
    const done = sum(d.projects.rows, 'done');
    const headBs = plan.length === 1 ? plan[0].headline_base_stations : 0;
    return {
      applications: apps, electronic: el, electronic_share: ratio(el, apps),
      fibre_km: Math.round(fibreBuilt * 10) / 10, fibre_plan_km: fibrePlan, fibre_share: ratio(fibreBuilt, fibrePlan),
      base_stations: bsBuilt, base_stations_plan: bsPlan, base_stations_share: ratio(bsBuilt, bsPlan), headline_base_stations: headBs,
      calls, calls_median_seconds: ratio(weighted, calls),
      appeals_submitted: submitted, appeals_resolved: resolved, appeals_resolution_rate: ratio(resolved, submitted),
      projects, projects_late: late, projects_done: done, projects_late_share: ratio(late, projects),
    };
  }

  // The map's indicators: how to read one region's figure from summary().
  const INDICATORS = [
    { id: 'electronic', value: (s) => s.electronic_share, fmt: fmtPct, target: 0.7, n: (s) => s.applications },
    { id: 'applications', value: (s) => s.applications, fmt: fmtInt, n: (s) => s.applications },
    { id: 'fibre', value: (s) => s.fibre_share, fmt: fmtPct, n: () => 1 },
    { id: 'stations', value: (s) => s.base_stations_share, fmt: fmtPct, n: () => 1 },
    { id: 'calls', value: (s) => s.calls_median_seconds, fmt: (v) => fmtNum(v, 0) + ' ' + t('seconds'), lower: true, n: (s) => s.calls },
    { id: 'appeals', value: (s) => s.appeals_resolution_rate, fmt: fmtPct, n: (s) => s.appeals_submitted },
    { id: 'projects', value: (s) => s.projects_late_share, fmt: fmtPct, lower: true, n: (s) => s.projects },
  ];
  const indicator = () => INDICATORS.find((i) => i.id === state.indicator) || INDICATORS[0];

  // ------------------------------------------------------------- loading
  async function loadMap(p) {
    const base = { from: p.from, to: p.to, level: 'region' };
    const [electronic, plan, calls, appeals, projects] = await Promise.all([
      get('eservices/electronic', { ...base, granularity: 'quarter' }),
      get('telecom/plan', { to: p.to, level: 'region' }),
      get('calls', { ...base, granularity: 'quarter' }),
      get('appeals', { ...base, granularity: 'quarter' }),
      get('projects/summary', { to: p.to, level: 'region' }),
    ]);
    const by = (resp) => groupBy(resp.rows, 'region');
    const e = by(electronic), pl = by(plan), c = by(calls), a = by(appeals), pr = by(projects);
    const out = {};
    for (const r of state.ref.regions) {
      if (!e.has(r.id) && !pl.has(r.id)) continue; // outside the caller's scope
      out[r.id] = summary({
        electronic: { rows: e.get(r.id) || [] }, plan: { rows: pl.get(r.id) || [] }, calls: { rows: c.get(r.id) || [] },
        appeals: { rows: a.get(r.id) || [] }, projects: { rows: pr.get(r.id) || [] },
      });
    }
    return out;
  }

  async function loadScope(p, region) {
    const place = region ? { region } : { level: 'country' };
    const q = { ...place, from: p.from, to: p.to };
    const reqs = {
      electronic: get('eservices/electronic', { ...q, granularity: p.gran }),
      processing: get('eservices/processing', { ...q, granularity: p.gran }),
      plan: get('telecom/plan', { ...place, to: p.to }),
      telecom: get('telecom', { ...place, from: p.telFrom, to: p.to, granularity: 'month' }),
      calls: get('calls', { ...q, granularity: p.callsGran }),
      appeals: get('appeals', { ...q, granularity: p.gran }),
      projects: get('projects/summary', { ...place, to: p.to }),
    };
    if (region) reqs.services = get('eservices/services', { region, from: p.from, to: p.to, limit: 10 });
    const keys = Object.keys(reqs);
    const vals = await Promise.all(keys.map((k) => reqs[k]));
    const d = {};
    keys.forEach((k, i) => { d[k] = vals[i]; });
    d.summary = summary(d);
    d.period = p;
    d.region = region;
    return d;
  }

  async function refresh() {
    if (state.busy || !state.ref) return;
    state.busy = true;
    main.setAttribute('aria-busy', 'true');
    const p = period();
    const region = state.region;
    try {
      const [map, scope] = await Promise.all([loadMap(p), loadScope(p, region)]);
      if (region !== state.region) return; // navigated meanwhile; the next load follows
      state.map = map;
      state.scope = scope;
      state.loads++;
      main.dataset.from = p.from;
      main.dataset.to = p.to;
      main.dataset.granularity = p.gran;
      main.dataset.callsGranularity = p.callsGran;
      main.dataset.loads = String(state.loads);
      main.dataset.region = region || '';
      showAlert('');
      render();
    } catch (err) {
      handleError(err);
    } finally {
      state.busy = false;
      main.removeAttribute('aria-busy');
    }
  }

  function handleError(err) {
    if (err instanceof APIError && err.status === 401) {
      if (state.account && !state.account.signed_in && !sessionKey()) {
        showAlert(t('needSignIn'));
        return;
      }
      showAlert(sessionKey() ? t('badKey') : t('needKey'));
      $('keybox').open = true;
    } else if (err instanceof APIError && err.status === 403) {
      showAlert(t('forbidden') + ' ' + err.message);
    } else {
      showAlert(t('failed') + (err && err.message ? ' (' + err.message + ')' : ''));
    }
  }

  function showAlert(msg) {
    const a = $('alert');
    a.textContent = msg;
    a.hidden = !msg;
  }

  // ---------------------------------------------------------------- account
  // account asks the server who is signed in; null when the server offers
  // no sign-in (404), and then only the access key is shown.
  async function account() {
    try {
      const resp = await fetch(SIGN_IN + 'session', { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (!resp.ok) return null;
      return await resp.json();
    } catch (e) {
      return null;
    }
  }

  function renderAccount() {
    const a = state.account;
    const box = $('account');
    box.hidden = !a;
    if (!a) return;
    $('signin').hidden = a.signed_in;
    $('signin').href = a.login;
    $('whoami').hidden = !a.signed_in;
    $('signout').hidden = !a.signed_in;
    if (a.signed_in) {
      const scope = a.regions && a.regions.length ? a.regions.map(regionName).join(', ') : t('allRegions');
      $('whoami').textContent = t('signedInAs', { name: a.name, scope });
      $('whoami').dataset.regions = (a.regions || []).join(',');
    }
  }

  // ------------------------------------------------------------- rendering
  function applyStrings() {
    document.documentElement.lang = HTML_LANG[state.lang];
    document.title = t('title');
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const b of document.querySelectorAll('#lang button')) b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
    $('refresh-note').textContent = t('refreshEvery', { n: refreshSeconds });
    const sel = $('indicator');
    sel.innerHTML = INDICATORS.map((i) => `<option value="${i.id}">${esc(t(i.id))}</option>`).join('');
    sel.value = state.indicator;
    $('period').value = String(state.days);
  }

  function render() {
    applyStrings();
    renderAccount();
    $('asof').textContent = state.asOf ? fmtTime(state.asOf) : '—';
    if (state.asOf) $('asof').dataset.asOf = state.asOf;
    const r = state.region;
    // A caller scoped to some regions (by key or sign-in) sees their
    // names over the overview, not "national": the figures are theirs.
    const callerScope = state.scope && state.scope.electronic && state.scope.electronic.scope;
    const own = callerScope && callerScope !== '*' ? callerScope.split(',').map(regionName).join(', ') : '';
    $('scope-title').textContent = r ? regionName(r) : (own || t('national'));
    $('back').hidden = !r;
    $('crumbs').innerHTML = r
      ? `<li><a href="#">${esc(t('country'))}</a></li><li aria-current="page">${esc(regionName(r))}</li>`
      : `<li aria-current="page">${esc(t('country'))}</li>`;
    if (!state.scope) return;
    renderTiles();
    renderMap();
    renderRanking();
    renderCharts();
  }

  function tile(id, value, raw, sub, attrs) {
    return `<div class="tile" data-tile="${id}"${attrs || ''}><h3>${esc(t(id))}</h3>` +
      `<p class="value" data-value="${raw}">${esc(value)}</p><p class="tsub">${sub}</p></div>`;
  }

  function renderTiles() {
    const s = state.scope.summary;
    const tgt = state.scope.electronic.rows.length ? state.scope.electronic.rows[0].target_share : 0.7;
    const meets = s.electronic_share >= tgt;
    const headline = s.headline_base_stations ? ' · ' + esc(t('subStationsHead', { h: fmtInt(s.headline_base_stations) })) : '';
    $('tiles').innerHTML = [
      tile('applications', fmtInt(s.applications), s.applications, esc(t('subApps', { e: fmtInt(s.electronic) }))),
      tile('electronic', fmtPct(s.electronic_share), s.electronic_share,
        `<span class="badge ${meets ? 'ok' : 'warn'}">${meets ? '▲' : '▼'} ${esc(t('targetIs', { t: fmtPct(tgt) }))}</span> ` +
        esc(t('subElectronic', { e: fmtInt(s.electronic), n: fmtInt(s.applications) })), meets ? ' data-state="ok"' : ' data-state="warn"'),
      tile('fibre', fmtPct(s.fibre_share), s.fibre_share, esc(t('subFibre', { a: fmtNum(s.fibre_km, 1), p: fmtInt(s.fibre_plan_km) })) +
        `<span class="hidden-value" data-name="fibre_km" data-value="${s.fibre_km}"></span>`),
      tile('stations', fmtPct(s.base_stations_share), s.base_stations_share,
        esc(t('subStations', { a: fmtInt(s.base_stations), p: fmtInt(s.base_stations_plan) })) + headline +
        `<span class="hidden-value" data-name="base_stations" data-value="${s.base_stations}"></span>`),
      tile('calls', fmtNum(s.calls_median_seconds, 0) + ' ' + t('seconds'), s.calls_median_seconds, esc(t('subCalls', { n: fmtInt(s.calls) }))),
      tile('appeals', fmtPct(s.appeals_resolution_rate), s.appeals_resolution_rate,
        esc(t('subAppeals', { r: fmtInt(s.appeals_resolved), s: fmtInt(s.appeals_submitted) }))),
      tile('projects', fmtInt(s.projects_late), s.projects_late,
        esc(t('subProjects', { l: fmtInt(s.projects_late), n: fmtInt(s.projects), d: fmtInt(s.projects_done) }))),
    ].join('');
  }

  // ---- the map
  const SEQ = ['#16405f', '#1d6a96', '#2b93c4', '#5bbce6', '#a8e1f8'];
  const DIV = ['#b3471d', '#e0813a', '#f3c077', '#4aa3d6', '#9ddaf6'];
  const NODATA = '#33414f';

  // classes returns the five class bounds and colours for an indicator.
  function classes(ind, values) {
    if (ind.target !== undefined) {
      const tg = ind.target;
      return { bounds: [tg - 0.2, tg - 0.1, tg, tg + 0.1], colors: DIV };
    }
    const vs = values.filter((v) => Number.isFinite(v));
    let lo = Math.min(...vs), hi = Math.max(...vs);
    if (!vs.length) { lo = 0; hi = 1; }
    if (hi - lo < 1e-9) hi = lo + (Math.abs(lo) || 1) * 0.01;
    const step = (hi - lo) / 5;
    return { bounds: [1, 2, 3, 4].map((i) => lo + step * i), colors: ind.lower ? SEQ.slice().reverse() : SEQ, lo, hi };
  }
  const classOf = (bounds, v) => bounds.filter((b) => v >= b).length;

  let mapBuilt = false;
  // Regions too small on the map for their name: the value only.
  const SMALL = ['UZ-TK', 'UZ-TO', 'UZ-AN', 'UZ-NG', 'UZ-FA', 'UZ-SI', 'UZ-XO'];
  function shortName(id) {
    return regionName(id).replace(/^Republic of |^Республика | Respublikasi$| Region$| viloyati$/g, '').replace(/ область$/, ' обл.');
  }
  function buildMap() {
    const ref = state.ref;
    const svg = [`<svg viewBox="${ref.view_box}" class="map" role="group" aria-labelledby="map-title" focusable="false">`,
      '<defs><pattern id="nodata" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#33414f"/><line x1="0" y1="0" x2="0" y2="6" stroke="#4d5e70" stroke-width="2"/></pattern></defs>',
      '<g class="regions">'];
    // Tashkent region before the city, so the enclave sits on top.
    const order = ref.regions.slice().sort((a, b) => (a.id === 'UZ-TK') - (b.id === 'UZ-TK'));
    for (const r of order) {
      svg.push(`<path id="${r.id}" d="${r.path}" fill-rule="evenodd" tabindex="0" role="button" data-region="${r.id}"><title></title></path>`);
    }
    svg.push('</g><g class="labels" aria-hidden="true">');
    for (const r of ref.regions) {
      if (r.id === 'UZ-TK') {
        const c = ref.regions.find((x) => x.id === 'UZ-TK');
        const m = /^M([\d.]+) ([\d.]+)/.exec(c.path);
        svg.push(`<line class="leader" x1="${r.label[0] + 16}" y1="${r.label[1] + 4}" x2="${m ? Number(m[1]) - 6 : r.label[0]}" y2="${m ? Number(m[2]) : r.label[1]}"/>`);
      }
      const small = SMALL.includes(r.id);
      svg.push(`<text x="${r.label[0]}" y="${r.label[1]}" data-label="${r.id}" class="${small ? 'small' : ''}">` +
        (small ? '' : `<tspan class="n" x="${r.label[0]}" dy="-0.5em"></tspan>`) +
        `<tspan class="v" x="${r.label[0]}" dy="${small ? 0 : '1.15em'}"></tspan></text>`);
    }
    svg.push('</g></svg>');
    $('map').innerHTML = svg.join('');
    const open = (ev) => {
      const id = ev.target.closest && ev.target.closest('[data-region]');
      if (id) go(id.dataset.region);
    };
    $('map').addEventListener('click', open);
    $('map').addEventListener('keydown', (ev) => {
      if ((ev.key === 'Enter' || ev.key === ' ') && ev.target.dataset && ev.target.dataset.region) {
        ev.preventDefault();
        open(ev);
      }
    });
    mapBuilt = true;
  }

  function renderMap() {
    if (!mapBuilt) buildMap();
    const ind = indicator();
    const vals = Object.values(state.map).filter((s) => ind.n(s) > 0).map(ind.value);
    const cls = classes(ind, vals);
    for (const r of state.ref.regions) {
      const path = $(r.id);
      const s = state.map[r.id];
      const has = s && ind.n(s) > 0;
      const v = has ? ind.value(s) : null;
      path.setAttribute('fill', has ? cls.colors[classOf(cls.bounds, v)] : 'url(#nodata)');
      path.classList.toggle('selected', r.id === state.region);
      const label = regionName(r.id) + ': ' + t(ind.id) + ' ' + (has ? ind.fmt(v) : t('noData'));
      path.setAttribute('aria-label', label);
      path.querySelector('title').textContent = label;
      const txt = document.querySelector(`[data-label="${r.id}"]`);
      txt.querySelector('.v').textContent = has ? ind.fmt(v) : '—';
      const nm = txt.querySelector('.n');
      if (nm) nm.textContent = shortName(r.id);
    }
    // The legend: five classes and "no data", each with its range.
    const f = ind.fmt;
    const b = cls.bounds;
    const ranges = [`< ${f(b[0])}`, `${f(b[0])} – ${f(b[1])}`, `${f(b[1])} – ${f(b[2])}`, `${f(b[2])} – ${f(b[3])}`, `≥ ${f(b[3])}`];
    let note = '';
    if (ind.target !== undefined) note = `<p class="note">${esc(t('target'))}: ${esc(f(ind.target))} (K02)</p>`;
    if (ind.lower) note = `<p class="note">${esc(t('lowerBetter'))}</p>`;
    $('legend').innerHTML = `<h4 id="legend-title">${esc(t('legend'))}: ${esc(t(ind.id))}</h4><ul>` +
      ranges.map((r, i) => `<li><span class="sw" style="background:${cls.colors[i]}"></span>${esc(r)}${ind.target !== undefined && i === 3 ? ' <strong>✓</strong>' : ''}</li>`).join('') +
      `<li><span class="sw nodata"></span>${esc(t('noData'))}</li></ul>${note}`;
  }

  function renderRanking() {
    const ind = indicator();
    $('rank-title').textContent = t('rankTitle') + ': ' + t(ind.id);
    const rows = state.ref.regions.map((r) => ({ id: r.id, s: state.map[r.id] }));
    const val = (x) => (x.s && ind.n(x.s) > 0 ? ind.value(x.s) : null);
    rows.sort((a, b) => {
      const va = val(a), vb = val(b);
      if (va === null) return 1;
      if (vb === null) return -1;
      return ind.lower ? va - vb : vb - va;
    });
    const head = `<table class="data" id="ranking-table"><caption class="sr-only">${esc(t('rankTitle'))}: ${esc(t(ind.id))}</caption><thead><tr><th scope="col">#</th><th scope="col">${esc(t('region'))}</th>` +
      `<th scope="col" class="num">${esc(t(ind.id))}</th><th scope="col" class="num">${esc(t('cApplications'))}</th><th scope="col" class="num">${esc(t('cShare'))}</th></tr></thead><tbody>`;
    const body = rows.map((x, i) => {
      const v = val(x);
      const s = x.s;
      const sel = x.id === state.region ? ' class="selected"' : '';
      return `<tr data-region="${x.id}"${sel}><td>${v === null ? '' : i + 1}</td><th scope="row"><a href="#region=${x.id}">${esc(regionName(x.id))}</a></th>` +
        `<td class="num" data-col="value" data-value="${v === null ? '' : v}">${v === null ? esc(t('noData')) : esc(ind.fmt(v))}</td>` +
        `<td class="num" data-col="applications" data-value="${s ? s.applications : ''}">${s ? fmtInt(s.applications) : '—'}</td>` +
        `<td class="num" data-col="electronic_share" data-value="${s ? s.electronic_share : ''}">${s ? fmtPct(s.electronic_share) : '—'}</td></tr>`;
    }).join('');
    $('ranking').innerHTML = head + body + '</tbody></table>';
  }

  // ---- charts: SVG drawn here from the rows, each with its data table.
  const COLORS = ['#5cc8f2', '#ffb454', '#c3a6ff', '#7ee0a1', '#ff8fa3'];
  const REF_COLORS = ['#ffd166', '#ff9f6e', '#f25f5c'];

  // chart draws series over shared x buckets. spec: {id, title, x: [iso],
  // gran, kind: 'line'|'bar', series: [{label, values, key, fmt?}],
  // refs: [{label, value}], fmt, yFrom0}
  function chart(spec) {
    const W = 600, H = 250, L = 58, R = 16, T = 16, B = 34;
    const pw = W - L - R, ph = H - T - B;
    const all = spec.series.flatMap((s) => s.values).filter(Number.isFinite).concat((spec.refs || []).map((r) => r.value));
    let hi = Math.max(0, ...all), lo = 0;
    if (hi <= lo) hi = lo + 1;
    hi = spec.yMax && hi <= spec.yMax ? spec.yMax : niceCeil(hi * 1.05);
    // Counts get whole-number ticks; four or five steps, whichever is round.
    if (all.every(Number.isInteger) && hi < 8) hi = Math.max(4, Math.ceil(hi / 4) * 4);
    const steps = niceStep(hi / 4) ? 4 : niceStep(hi / 5) ? 5 : 4;
    const n = spec.x.length;
    const band = pw / Math.max(n, 1);
    const xAt = (i) => L + band * i + band / 2;
    const yAt = (v) => T + ph - ((v - lo) / (hi - lo)) * ph;
    const out = [`<svg viewBox="0 0 ${W} ${H}" class="chart" role="img" aria-labelledby="${spec.id}-t ${spec.id}-d">`,
      `<title id="${spec.id}-t">${esc(spec.title)}</title><desc id="${spec.id}-d">${esc(t('dataTable'))}</desc>`];
    // grid and y axis
    for (let i = 0; i <= steps; i++) {
      const v = lo + ((hi - lo) * i) / steps, y = yAt(v);
      out.push(`<line class="grid" x1="${L}" x2="${W - R}" y1="${y}" y2="${y}"/><text class="axis" x="${L - 6}" y="${y + 4}" text-anchor="end">${esc(spec.fmt(v))}</text>`);
    }
    // x labels: at most 8
    const every = Math.max(1, Math.ceil(n / (spec.gran === 'month' ? 6 : 8)));
    spec.x.forEach((x, i) => {
      if (i % every === 0) out.push(`<text class="axis" x="${xAt(i)}" y="${H - 12}" text-anchor="middle">${esc(fmtDate(x, spec.gran))}</text>`);
    });
    if (spec.kind === 'bar') {
      const s = spec.series[0];
      const w = Math.max(2, band * 0.7);
      s.values.forEach((v, i) => {
        if (!Number.isFinite(v)) return;
        out.push(`<rect class="bar" x="${xAt(i) - w / 2}" y="${yAt(v)}" width="${w}" height="${yAt(lo) - yAt(v)}" fill="${COLORS[0]}"><title>${esc(fmtDate(spec.x[i], spec.gran) + ': ' + spec.fmt(v))}</title></rect>`);
      });
    } else {
      spec.series.forEach((s, k) => {
        const pts = s.values.map((v, i) => (Number.isFinite(v) ? [xAt(i), yAt(v)] : null));
        let d = '';
        let pen = false;
        for (const p of pts) {
          if (!p) { pen = false; continue; }
          d += (pen ? 'L' : 'M') + p[0].toFixed(1) + ' ' + p[1].toFixed(1);
          pen = true;
        }
        const c = COLORS[k % COLORS.length];
        out.push(`<path class="line${s.dash ? ' dash' : ''}" d="${d}" stroke="${c}"/>`);
        if (n <= 40) pts.forEach((p) => { if (p) out.push(`<circle cx="${p[0]}" cy="${p[1]}" r="2.6" fill="${c}"/>`); });
      });
    }
    (spec.refs || []).forEach((r, k) => {
      const y = yAt(r.value);
      const c = REF_COLORS[k % REF_COLORS.length];
      out.push(`<line class="ref" x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="${c}"/>` +
        `<text class="reflabel" x="${W - R - 4}" y="${y - 5}" text-anchor="end" fill="${c}">${esc(r.label + ' ' + spec.fmt(r.value))}</text>`);
    });
    out.push(`<line class="axisline" x1="${L}" x2="${W - R}" y1="${yAt(lo)}" y2="${yAt(lo)}"/></svg>`);
    // legend
    const leg = spec.series.length > 1 || (spec.refs || []).length
      ? '<ul class="clegend">' + spec.series.map((s, k) => `<li><span class="sw line" style="background:${COLORS[k % COLORS.length]}"></span>${esc(s.label)}</li>`).join('') +
        (spec.refs || []).map((r, k) => `<li><span class="sw ref" style="border-color:${REF_COLORS[k % REF_COLORS.length]}"></span>${esc(r.label)}</li>`).join('') + '</ul>'
      : '';
    // table
    const cols = spec.table || spec.series.map((s) => ({ label: s.label, key: s.key, values: s.values, fmt: s.fmt || spec.fmt }));
    const rows = spec.x.map((x, i) => `<tr data-period="${esc(x)}"><th scope="row">${esc(fmtDate(x, spec.gran))}</th>` +
      cols.map((c) => `<td class="num" data-col="${c.key}" data-value="${Number.isFinite(c.values[i]) ? c.values[i] : ''}">${Number.isFinite(c.values[i]) ? esc(c.fmt(c.values[i])) : '—'}</td>`).join('') + '</tr>').join('');
    const refNote = (spec.refs || []).map((r) => esc(r.label + ': ' + spec.fmt(r.value))).join('; ');
    const table = `<details class="tbl"><summary>${esc(t('dataTable'))}</summary><div class="tablewrap"><table class="data" id="${spec.id}-table">` +
      `<caption>${esc(spec.title)}${refNote ? ' — ' + refNote : ''}</caption><thead><tr><th scope="col">${esc(t('periodCol'))}</th>` +
      cols.map((c) => `<th scope="col" class="num">${esc(c.label)}</th>`).join('') + `</tr></thead><tbody>${rows || `<tr><td colspan="${cols.length + 1}">${esc(t('noRows'))}</td></tr>`}</tbody></table></div></details>`;
    return `<figure class="panel chartpanel" id="${spec.id}"><figcaption><h3>${esc(spec.title)}</h3></figcaption>${n ? out.join('') : `<p class="empty">${esc(t('noRows'))}</p>`}${leg}${table}</figure>`;
  }

  function niceStep(v) {
    if (v <= 0) return false;
    const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    return [1, 2, 2.5, 5, 10].some((x) => Math.abs(m - x) < 1e-6);
  }

  function niceCeil(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  // byPeriod pivots rows to one value per bucket, summing within a bucket.
  function byPeriod(rows, fields) {
    const m = new Map();
    for (const r of rows) {
      if (!m.has(r.period)) m.set(r.period, {});
      const o = m.get(r.period);
      for (const f of fields) o[f] = (o[f] || 0) + (Number(r[f]) || 0);
    }
    const x = [...m.keys()].sort();
    return { x, get: (f) => x.map((k) => m.get(k)[f]) };
  }

  function renderCharts() {
    const d = state.scope;
    const g = d.period.gran;
    const el = byPeriod(d.electronic.rows, ['applications', 'electronic']);
    const apps = el.get('applications'), elec = el.get('electronic');
    const share = apps.map((a, i) => ratio(elec[i], a));
    const tgt = d.electronic.rows.length ? d.electronic.rows[0].target_share : 0.7;
    const pctAxis = (v) => nf({ style: 'percent', maximumFractionDigits: 0 }).format(v);
    const html = [];
    html.push(chart({
      id: 'ch-electronic', title: t('chElectronic'), x: el.x, gran: g, fmt: pctAxis, kind: 'line', yMax: 1,
      series: [{ label: t('cShare'), values: share, key: 'share', fmt: fmtPct }],
      refs: [{ label: t('target') + ' K02', value: tgt }],
      table: [{ label: t('cApplications'), key: 'applications', values: apps, fmt: fmtInt },
        { label: t('cElectronic'), key: 'electronic', values: elec, fmt: fmtInt },
        { label: t('cShare'), key: 'share', values: share, fmt: fmtPct }],
    }));
    html.push(chart({
      id: 'ch-applications', title: t('chApplications'), x: el.x, gran: g, fmt: fmtInt, kind: 'bar',
      series: [{ label: t('cApplications'), values: apps, key: 'applications' }],
    }));
    // Processing: one row per bucket and place; medians are not summed.
    const pr = d.processing.rows.slice().sort((a, b) => (a.period < b.period ? -1 : 1));
    const h1 = (v) => fmtNum(v, 1);
    html.push(chart({
      id: 'ch-processing', title: t('chProcessing'), x: pr.map((r) => r.period), gran: g, fmt: (v) => fmtNum(v, 0), kind: 'line',
      series: [{ label: t('cMedian'), values: pr.map((r) => r.median_hours), key: 'median_hours', fmt: h1 },
        { label: t('cP90'), values: pr.map((r) => r.p90_hours), key: 'p90_hours', fmt: h1 },
        { label: t('cLegal'), values: pr.map((r) => r.legal_median_hours), key: 'legal_median_hours', fmt: h1, dash: true }],
    }));
    // Telecom: cumulative since January 2025 against the plans.
    const tel = byPeriod(d.telecom.rows, ['fibre_km', 'base_stations']);
    const cum = (vs) => { let a = 0; return vs.map((v) => (a += v || 0)); };
    const km = tel.get('fibre_km'), kmCum = cum(km).map((v) => Math.round(v * 10) / 10);
    const bs = tel.get('base_stations'), bsCum = cum(bs);
    const pl = d.plan.rows;
    const p25 = sum(pl, 'plan_fibre_km_2025'), p26 = p25 + sum(pl, 'plan_fibre_km_2026');
    const b25 = sum(pl, 'plan_base_stations_2025'), b26 = b25 + sum(pl, 'plan_base_stations_2026');
    const fibreRefs = [{ label: t('cPlan2025'), value: p25 }, { label: t('cPlan2026'), value: p26 }];
    const bsRefs = [{ label: t('cPlan2025'), value: b25 }, { label: t('cPlan2026'), value: b26 }];
    if (!d.region && pl.length === 1 && pl[0].headline_base_stations) bsRefs.push({ label: t('cHeadline'), value: pl[0].headline_base_stations });
    html.push(chart({
      id: 'ch-fibre', title: t('chFibre'), x: tel.x, gran: 'month', fmt: fmtInt, kind: 'line',
      series: [{ label: t('cFibreCum'), values: kmCum, key: 'fibre_km_cumulative', fmt: (v) => fmtNum(v, 1) }], refs: fibreRefs,
      table: [{ label: t('cFibre'), key: 'fibre_km', values: km, fmt: (v) => fmtNum(v, 1) },
        { label: t('cFibreCum'), key: 'fibre_km_cumulative', values: kmCum, fmt: (v) => fmtNum(v, 1) }],
    }));
    html.push(chart({
      id: 'ch-stations', title: t('chStations'), x: tel.x, gran: 'month', fmt: fmtInt, kind: 'line',
      series: [{ label: t('cStationsCum'), values: bsCum, key: 'base_stations_cumulative', fmt: fmtInt }], refs: bsRefs,
      table: [{ label: t('cStations'), key: 'base_stations', values: bs, fmt: fmtInt },
        { label: t('cStationsCum'), key: 'base_stations_cumulative', values: bsCum, fmt: fmtInt }],
    }));
    // 112: one line per service.
    const svcs = [...new Set(d.calls.rows.map((r) => r.service))].sort();
    const cx = [...new Set(d.calls.rows.map((r) => r.period))].sort();
    const cell = new Map(d.calls.rows.map((r) => [r.period + '|' + r.service, r]));
    html.push(chart({
      id: 'ch-calls', title: t('chCalls'), x: cx, gran: d.period.callsGran, fmt: (v) => fmtNum(v, 0), kind: 'line',
      series: svcs.map((s) => ({ label: (I18N[state.lang].svc[s] || s), key: 'median_seconds_' + s,
        values: cx.map((p) => { const r = cell.get(p + '|' + s); return r ? r.median_seconds : NaN; }) })),
    }));
    const ap = byPeriod(d.appeals.rows, ['submitted', 'resolved']);
    const sub = ap.get('submitted'), res = ap.get('resolved');
    const rate = sub.map((s, i) => ratio(res[i], s));
    html.push(chart({
      id: 'ch-appeals', title: t('chAppeals'), x: ap.x, gran: g, fmt: fmtInt, kind: 'line',
      series: [{ label: t('cSubmitted'), values: sub, key: 'submitted' }, { label: t('cResolved'), values: res, key: 'resolved' }],
      table: [{ label: t('cSubmitted'), key: 'submitted', values: sub, fmt: fmtInt },
        { label: t('cResolved'), key: 'resolved', values: res, fmt: fmtInt },
        { label: t('cRate'), key: 'resolution_rate', values: rate, fmt: fmtPct }],
    }));
    const open = new Set([...document.querySelectorAll('#charts details[open]')].map((e) => e.closest('figure').id));
    $('charts').innerHTML = html.join('') + extra();
    for (const id of open) { const f = $(id); if (f) f.querySelector('details').open = true; }
  }

  function extra() {
    const d = state.scope;
    const parts = [];
    if (d.services) {
      const rows = d.services.rows.map((r) => `<tr><th scope="row">${esc(r.title_en || r.service_id)}</th><td>${esc(r.agency)}</td>` +
        `<td class="num" data-value="${r.applications}">${fmtInt(r.applications)}</td><td class="num" data-value="${r.refusal_rate}">${fmtPct(r.refusal_rate)}</td>` +
        `<td class="num" data-value="${r.median_hours}">${fmtNum(r.median_hours, 1)}</td></tr>`).join('');
      parts.push(`<section class="panel wide"><h3 id="t-services">${esc(t('tServices'))}</h3><div class="tablewrap"><table class="data" aria-labelledby="t-services"><thead><tr>` +
        `<th scope="col">${esc(t('cService'))}</th><th scope="col">${esc(t('cAgency'))}</th><th scope="col" class="num">${esc(t('cApplications'))}</th>` +
        `<th scope="col" class="num">${esc(t('cRefusal'))}</th><th scope="col" class="num">${esc(t('cHours'))}</th></tr></thead><tbody>${rows || `<tr><td colspan="5">${esc(t('noRows'))}</td></tr>`}</tbody></table></div></section>`);
    }
    const pr = d.projects.rows.slice().sort((a, b) => b.late - a.late || b.projects - a.projects).slice(0, 12);
    const prow = pr.map((r) => `<tr><th scope="row">${esc(r.executor)}</th><td>${esc((I18N[state.lang].annex[r.annex]) || r.annex)}</td>` +
      `<td class="num">${fmtInt(r.projects)}</td><td class="num">${fmtInt(r.on_time)}</td><td class="num late">${fmtInt(r.late)}</td><td class="num">${fmtInt(r.done)}</td></tr>`).join('');
    parts.push(`<section class="panel wide"><h3 id="t-projects">${esc(t('tProjects'))}</h3><div class="tablewrap"><table class="data" aria-labelledby="t-projects"><thead><tr>` +
      `<th scope="col">${esc(t('cExecutor'))}</th><th scope="col">${esc(t('cAnnex'))}</th><th scope="col" class="num">${esc(t('cProjects'))}</th>` +
      `<th scope="col" class="num">${esc(t('cOnTime'))}</th><th scope="col" class="num">${esc(t('cLate'))}</th><th scope="col" class="num">${esc(t('cDone'))}</th></tr></thead>` +
      `<tbody>${prow || `<tr><td colspan="6">${esc(t('noRows'))}</td></tr>`}</tbody></table></div></section>`);
    return parts.join('');
  }

  // ------------------------------------------------------------ navigation
  function go(region) {
    location.hash = region ? 'region=' + region : '';
  }

  function fromHash() {
    const m = /region=(UZ-[A-Z]{2})/.exec(location.hash);
    const r = m && state.ref.regions.some((x) => x.id === m[1]) ? m[1] : null;
    if (r === state.region && state.scope) return;
    state.region = r;
    state.scope = null;
    render();
    $('tiles').innerHTML = `<p class="loading">${esc(t('loading'))}</p>`;
    refresh().then(() => {
      if (state.scope) {
        $('live').textContent = t('opened', { r: r ? regionName(r) : t('national') });
        $('scope-title').focus();
      }
    });
  }

  async function start() {
    applyStrings();
    const resp = await fetch('/dashboard/regions.json');
    state.ref = await resp.json();
    state.account = await account();
    renderAccount();
    $('signout').addEventListener('click', async () => {
      await fetch(state.account.logout, { method: 'POST', cache: 'no-store' });
      location.reload();
    });
    buildMap();
    $('lang').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-lang]');
      if (!b) return;
      state.lang = b.dataset.lang;
      try { localStorage.setItem('oqim.dashboard.lang', state.lang); } catch (e) { /* ignore */ }
      render();
    });
    $('period').addEventListener('change', () => { state.days = Number($('period').value); refresh(); });
    $('indicator').addEventListener('change', () => { state.indicator = $('indicator').value; renderMap(); renderRanking(); });
    $('refresh').addEventListener('click', () => refresh());
    $('back').addEventListener('click', () => go(null));
    $('keyform').addEventListener('submit', (ev) => {
      ev.preventDefault();
      try { sessionStorage.setItem(KEY_STORE, $('key').value.trim()); } catch (e) { /* ignore */ }
      $('key').value = '';
      $('keybox').open = false;
      refresh();
    });
    $('keyclear').addEventListener('click', () => {
      try { sessionStorage.removeItem(KEY_STORE); } catch (e) { /* ignore */ }
      refresh();
    });
    window.addEventListener('hashchange', fromHash);
    fromHash();
    setInterval(refresh, refreshSeconds * 1000);
  }

  start().catch(handleError);
})();
