package diagnosis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/inference/clinical/diagnosis/textmap"
	"github.com/oqim/oqim/models/ddxplus"
	"github.com/oqim/oqim/models/language"
)

// HandlerConfig configures NewHandler.
type HandlerConfig struct {
	// Engine ranks the conditions. Required.
	Engine *Engine
	// Lexicon maps text offline; nil builds the default lexicon mapper.
	Lexicon textmap.Extractor
	// LLM is the optional LLM text mode's client. When nil, requests
	// asking for text_mode "llm" fail with a message naming the settings.
	LLM *llm.Client
	// MaxBodyBytes bounds the request body. Default 64 KiB.
	MaxBodyBytes int64
}

// NewDefaultEngine returns an engine over the embedded knowledge base with
// the default options.
func NewDefaultEngine() (*Engine, error) {
	kb, err := ddxplus.Default()
	if err != nil {
		return nil, err
	}
	return NewEngine(kb, Options{})
}

// DefaultMaxBodyBytes bounds a request without HandlerConfig.MaxBodyBytes.
const DefaultMaxBodyBytes = 64 << 10

// NewHandler returns the handler of POST /api/v1/diagnosis.
func NewHandler(cfg HandlerConfig) (http.Handler, error) {
	if cfg.Engine == nil {
		return nil, errors.New("diagnosis: HandlerConfig.Engine is required")
	}
	h := &handler{eng: cfg.Engine, lexicon: cfg.Lexicon, maxBody: cfg.MaxBodyBytes}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.lexicon == nil {
		m, err := textmap.New(cfg.Engine.KB())
		if err != nil {
			return nil, err
		}
		h.lexicon = m
	}
	if x, err := textmap.NewLLMExtractor(cfg.Engine.KB(), cfg.LLM); err != nil {
		h.llmErr = err
	} else {
		h.llm = x
	}
	return h, nil
}

type handler struct {
	eng     *Engine
	lexicon textmap.Extractor
	llm     textmap.Extractor
	llmErr  error
	maxBody int64
}

// Request is the body of POST /api/v1/diagnosis.
type Request struct {
	Age      *int              `json:"age,omitempty"`
	Sex      string            `json:"sex,omitempty"`      // "female" or "male"
	Language string            `json:"language,omitempty"` // "uz" (or "uz-Latn"), "uz-Cyrl", "ru" or "en"; empty: the text's
	Evidence []RequestEvidence `json:"evidence,omitempty"`
	Text     string            `json:"text,omitempty"`
	TextMode string            `json:"text_mode,omitempty"` // "lexicon" (default) or "llm"
	TopK     int               `json:"top_k,omitempty"`     // default 5
}

// RequestEvidence is one answered question.
type RequestEvidence struct {
	ID string `json:"id"`
	// ChoiceID is "present" or "absent"; it defaults to "present".
	ChoiceID string `json:"choice_id,omitempty"`
	// Value answers a categorical evidence (a value code, or a number on
	// 0–10 scales).
	Value json.RawMessage `json:"value,omitempty"`
	// Values answers a multi-choice evidence.
	Values []string `json:"values,omitempty"`
}

// Response is the answer of POST /api/v1/diagnosis.
type Response struct {
	Language   string              `json:"language"`
	Disclaimer string              `json:"disclaimer"`
	Conditions []ResponseCondition `json:"conditions"`
	Question   *ResponseQuestion   `json:"question"`
	ShouldStop bool                `json:"should_stop"`
	// Evidence is every finding the ranking used, the extracted ones
	// marked with source "text".
	Evidence []ResponseEvidence `json:"evidence"`
	// Rejected lists findings an LLM proposed that the knowledge base
	// does not allow.
	Rejected []textmap.Rejection `json:"rejected,omitempty"`
	// Warning says why there is no differential: no finding was given or
	// read from the text.
	Warning string `json:"warning,omitempty"`
}

// ResponseCondition is one condition of the differential.
type ResponseCondition struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	ICD10       []string           `json:"icd10"`
	Severity    int                `json:"severity"`
	Probability float64            `json:"probability"`
	Rank        int                `json:"rank"`
	RedFlag     bool               `json:"red_flag"`
	Referral    string             `json:"referral,omitempty"`
	Supporting  []ResponseEvidence `json:"supporting"`
	Opposing    []ResponseEvidence `json:"opposing"`
}

// ResponseEvidence names a finding.
type ResponseEvidence struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	ChoiceID string   `json:"choice_id"`
	Values   []string `json:"values,omitempty"`
	// ValueNames are Values in the answer's language ("ko'krak qafasi"
	// for V_25), a scale's number as it is.
	ValueNames []string `json:"value_names,omitempty"`
	Source     string   `json:"source,omitempty"`
	Phrase     string   `json:"phrase,omitempty"`
}

// ResponseQuestion is the next question.
type ResponseQuestion struct {
	ID      string           `json:"id"`
	Type    string           `json:"type"` // "single" (yes/no), "categorical", "multiple"
	Text    string           `json:"text"`
	Choices []ResponseChoice `json:"choices"`
}

// ResponseChoice is a possible answer.
type ResponseChoice struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// APIError is the body of every error response.
// APIError is the body of an error response, Oqim's one error body.
type APIError = httpedge.ErrorBody

type fieldError struct {
	status     int
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func badField(field, format string, args ...any) *fieldError {
	return &fieldError{http.StatusBadRequest, field, fmt.Sprintf(format, args...)}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpedge.WriteError(w, http.StatusMethodNotAllowed, httpedge.Error{Field: "method", Detail: "use POST"})
		return
	}
	resp, ferr := h.serve(r.Context(), http.MaxBytesReader(w, r.Body, h.maxBody), r.Header.Get("Content-Type"))
	if ferr != nil {
		httpedge.WriteError(w, ferr.status, httpedge.Error{Field: ferr.field, Detail: ferr.msg})
		return
	}
	httpedge.WriteJSON(w, http.StatusOK, resp)
}

// Route declares POST /api/v1/diagnosis for the edge, for doctors only:
// the text is clinical free text, and in the LLM text mode each request
// spends tokens. The doctor API (inference/clinical/doctorapi) mounts it
// with its credentials, per-doctor rate limit and audit.
func Route(h http.Handler, maxBody int64) httpedge.Route {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	return httpedge.Route{Method: http.MethodPost, Path: "/api/v1/diagnosis", Need: httpedge.Doctor, MaxBody: maxBody,
		Timeout: routeTimeout, Handler: h}
}

// routeTimeout bounds a request, a language model's reading of the text
// included.
const routeTimeout = time.Minute

func (h *handler) serve(ctx context.Context, body io.Reader, contentType string) (*Response, *fieldError) {
	if ct := strings.TrimSpace(strings.Split(contentType, ";")[0]); ct != "" && ct != "application/json" {
		return nil, &fieldError{http.StatusUnsupportedMediaType, "Content-Type", fmt.Sprintf("want application/json, got %q", ct)}
	}
	req, ferr := decodeRequest(body)
	if ferr != nil {
		return nil, ferr
	}
	kb := h.eng.KB()
	c := Case{Age: AgeUnknown}
	if req.Age != nil {
		if *req.Age < 0 || *req.Age > 120 {
			return nil, badField("age", "%d is out of range: want years from 0 to 120", *req.Age)
		}
		c.Age = *req.Age
	}
	switch strings.ToLower(req.Sex) {
	case "":
	case "female", "f":
		c.Sex = Female
	case "male", "m":
		c.Sex = Male
	default:
		return nil, badField("sex", "unknown sex %q: want \"female\" or \"male\"", req.Sex)
	}
	lang := req.Language
	switch lang {
	case "":
		// The text's own language; Uzbek in Latin is "uz", the name the
		// knowledge base gives it.
		if lang = string(language.Detect(req.Text)); lang == string(language.UzLatn) {
			lang = "uz"
		}
	case "uz", "uz-Latn", "uz-Cyrl", "ru", "en":
	default:
		return nil, badField("language", "unsupported language %q: want \"uz\" (or \"uz-Latn\"), \"uz-Cyrl\", \"ru\" or \"en\"", req.Language)
	}
	k := req.TopK
	if k == 0 {
		k = 5
	}
	if k < 1 || k > len(kb.Conditions) {
		return nil, badField("top_k", "%d is out of range: want 1 to %d", req.TopK, len(kb.Conditions))
	}

	given := map[string]bool{}
	for i, re := range req.Evidence {
		f, ferr := toFinding(kb, i, re)
		if ferr != nil {
			return nil, ferr
		}
		if given[f.Evidence] {
			return nil, badField(fmt.Sprintf("evidence[%d].id", i), "evidence %s is given more than once", f.Evidence)
		}
		given[f.Evidence] = true
		c.Findings = append(c.Findings, f)
	}
	nGiven := len(c.Findings)

	var ext *textmap.Extraction
	if strings.TrimSpace(req.Text) != "" {
		var x textmap.Extractor
		switch req.TextMode {
		case "", "lexicon":
			x = h.lexicon
		case "llm":
			if h.llm == nil {
				return nil, badField("text_mode", "%v", h.llmErr)
			}
			x = h.llm
		default:
			return nil, badField("text_mode", "unknown mode %q: want \"lexicon\" or \"llm\"", req.TextMode)
		}
		var err error
		if ext, err = x.Extract(ctx, req.Text); err != nil {
			// The model server's own message may quote the patient's
			// text back: the answer names only what failed.
			return nil, &fieldError{http.StatusBadGateway, "text", "the language model did not read the text: " + llm.Failure(err)}
		}
		// Answers given explicitly win over what the text suggests.
		c.Findings = append(c.Findings, FindingsFromMatches(ext.Matches, given)...)
	} else if req.TextMode != "" && req.TextMode != "lexicon" && req.TextMode != "llm" {
		return nil, badField("text_mode", "unknown mode %q: want \"lexicon\" or \"llm\"", req.TextMode)
	}

	a, err := h.eng.Assess(c, k)
	if err != nil {
		var fe *FindingError
		if errors.As(err, &fe) {
			if fe.Index < nGiven {
				return nil, badField(fmt.Sprintf("evidence[%d].%s", fe.Index, map[string]string{"evidence": "id", "values": "values", "present": "choice_id"}[fe.Field]), "%s", fe.Msg)
			}
			return nil, badField("text", "the text yields contradictory findings: %s", fe.Msg)
		}
		return nil, &fieldError{http.StatusInternalServerError, "", err.Error()}
	}
	resp := render(kb, lang, a, c.Findings, nGiven, ext)
	if !slices.ContainsFunc(c.Findings, func(f Finding) bool { return f.Present }) {
		// A ranking from age and sex alone, or from denied findings
		// alone ("no fever, no cough"), would read as a differential of
		// this patient; the doctor gets the first question instead.
		resp.Conditions, resp.Warning = []ResponseCondition{}, noFindings.In(lang)
	} else {
		resp.Warning = FewFindingsWarning(kb, c.Findings, lang)
	}
	return resp, nil
}

// FewFindingsWarning is the warning, in lang, that a differential drawn
// from findings fs rests on few of them; "" when it rests on enough.
// Naive Bayes over the knowledge base's 49 conditions is as sure of
// itself from three findings as from twenty, and a sore throat with
// swollen glands is then "HIV, 98 %": the doctor is told how little the
// ranking rests on, wherever a differential is shown.
func FewFindingsWarning(kb *ddxplus.KB, fs []Finding, lang string) string {
	return fewFindingsWarning(kb, fs, lang, askBelow.In(lang))
}

// FewFindingsNote is FewFindingsWarning for an answer without a next
// question (a clinical note's differential): it does not ask to answer
// one.
func FewFindingsNote(kb *ddxplus.KB, fs []Finding, lang string) string {
	return fewFindingsWarning(kb, fs, lang, ".")
}

func fewFindingsWarning(kb *ddxplus.KB, fs []Finding, lang, end string) string {
	if n := presentEvidences(kb, fs); n < fewFindings {
		return strings.Replace(fewFindingsText.In(lang), "#", strconv.Itoa(n), 1) + end
	}
	return ""
}

// Disclaimer says, in lang, that a differential is decision support for a
// clinician and not a diagnosis.
func Disclaimer(lang string) string { return disclaimers.In(lang) }

// fewFindings is how many findings present a differential needs before
// its probabilities go without a warning; DDXPlus patients have 10 to 20.
const fewFindings = 5

// presentEvidences counts the distinct evidences found present, a
// symptom's details (where the pain is, how strong) not counted apart
// from it.
func presentEvidences(kb *ddxplus.KB, fs []Finding) int {
	seen := map[string]bool{}
	for _, f := range fs {
		if !f.Present {
			continue
		}
		if i, ok := kb.EvidenceIndex(f.Evidence); ok && kb.Evidences[i].Parent != "" {
			continue
		}
		seen[f.Evidence] = true
	}
	return len(seen)
}

func decodeRequest(body io.Reader) (*Request, *fieldError) {
	var req Request
	if e := httpedge.ReadJSON(body, &req); e != nil {
		field := e.Body.Field
		if field == "" {
			field = "body"
		}
		return nil, &fieldError{e.Status, field, e.Body.Detail}
	}
	return &req, nil
}

func toFinding(kb *ddxplus.KB, i int, re RequestEvidence) (Finding, *fieldError) {
	field := func(f string) string { return fmt.Sprintf("evidence[%d].%s", i, f) }
	if re.ID == "" {
		return Finding{}, badField(field("id"), "missing evidence code")
	}
	ei, ok := kb.EvidenceIndex(re.ID)
	if !ok {
		hint := ""
		if code, val, found := strings.Cut(re.ID, "_@_"); found {
			hint = fmt.Sprintf(" (send id %q with the value %q)", code, val)
		}
		return Finding{}, badField(field("id"), "unknown evidence code %q%s", re.ID, hint)
	}
	ev := &kb.Evidences[ei]
	f := Finding{Evidence: re.ID}
	switch re.ChoiceID {
	case "", "present":
		f.Present = true
	case "absent":
	default:
		return Finding{}, badField(field("choice_id"), "unknown choice %q: want \"present\" or \"absent\"", re.ChoiceID)
	}
	if len(re.Value) > 0 {
		if ev.Type != ddxplus.Categorical {
			return Finding{}, badField(field("value"), "evidence %s is %s, not categorical; %s", re.ID, ev.Type, answerHint(ev))
		}
		var s string
		if err := json.Unmarshal(re.Value, &s); err != nil {
			var n json.Number
			if err := json.Unmarshal(re.Value, &n); err != nil {
				return Finding{}, badField(field("value"), "want a value code or a number, got %s", re.Value)
			}
			s = n.String()
		}
		if ev.ValueIndex(s) < 0 {
			return Finding{}, badField(field("value"), "%q is not a value of categorical evidence %s (allowed: %s)", s, re.ID, valueList(ev))
		}
		f.Values = []string{s}
	}
	if len(re.Values) > 0 {
		if ev.Type != ddxplus.Multi {
			return Finding{}, badField(field("values"), "evidence %s is %s, not multi-choice; %s", re.ID, ev.Type, answerHint(ev))
		}
		for _, v := range re.Values {
			if ev.ValueIndex(v) < 0 {
				return Finding{}, badField(field("values"), "%q is not a value of multi-choice evidence %s (allowed: %s)", v, re.ID, valueList(ev))
			}
		}
		f.Values = re.Values
	}
	if f.Present && ev.Type != ddxplus.Binary && len(f.Values) == 0 {
		return Finding{}, badField(field("id"), "evidence %s is present but has no answer; %s", re.ID, answerHint(ev))
	}
	if !f.Present && len(f.Values) > 0 {
		return Finding{}, badField(field("choice_id"), "evidence %s is absent and takes no value", re.ID)
	}
	return f, nil
}

func answerHint(ev *ddxplus.Evidence) string {
	switch ev.Type {
	case ddxplus.Categorical:
		return `answer it with "value"`
	case ddxplus.Multi:
		return `answer it with "values"`
	}
	return `answer it with "choice_id" only`
}

// FindingsFromMatches groups text matches into findings: the values of one
// evidence together, the first polarity of an evidence winning, and
// evidences in given (answered explicitly) skipped.
func FindingsFromMatches(ms []textmap.Match, given map[string]bool) []Finding {
	var out []Finding
	at := map[string]int{}
	for _, m := range ms {
		if given[m.Evidence] {
			continue
		}
		if i, ok := at[m.Evidence]; ok {
			if m.Value != "" && out[i].Present && !slices.Contains(out[i].Values, m.Value) {
				out[i].Values = append(out[i].Values, m.Value)
			}
			continue
		}
		f := Finding{Evidence: m.Evidence, Present: m.Present}
		if m.Value != "" && m.Present {
			f.Values = []string{m.Value}
		}
		at[m.Evidence] = len(out)
		out = append(out, f)
	}
	return out
}

var (
	disclaimers = ddxplus.Text{
		En: "Decision support for a clinician, not a diagnosis. It gives no treatment advice; the clinician examines the patient and decides.",
		Uz: "Bu shifokor uchun qaror qabul qilishda yordam, tashxis emas. Davolash boʻyicha tavsiya bermaydi; bemorni shifokor koʻradi va qarorni oʻzi qabul qiladi.",
		Ru: "Это поддержка принятия решений для врача, а не диагноз. Рекомендаций по лечению не даёт; пациента осматривает и решение принимает врач.",
	}
	referrals = ddxplus.Text{
		En: "Red flag: refer the patient urgently for emergency assessment.",
		Uz: "Xavfli belgi: bemorni zudlik bilan shoshilinch tibbiy baholashga yoʻnaltiring.",
		Ru: "Тревожный признак: срочно направьте пациента на неотложную оценку.",
	}
	noFindings = ddxplus.Text{
		En: "No finding present was given or read from the text, so there is no differential; answer the question, or describe the symptoms.",
		Uz: "Birorta mavjud belgi berilmadi yoki matndan oʻqilmadi, shuning uchun differensial tashxis yoʻq; savolga javob bering yoki belgilarni yozing.",
		Ru: "Ни одного имеющегося признака не передано и не прочитано из текста, поэтому дифференциального ряда нет; ответьте на вопрос или опишите симптомы.",
	}
	// fewFindingsText has # for the count: a verb like %d would not
	// survive the transliteration to Uzbek Cyrillic. The count stands
	// apart from nouns, which Russian would decline by it, and says what
	// it leaves out, so that it does not seem to contradict the longer
	// evidence list beside it.
	fewFindingsText = ddxplus.Text{
		En: "Few findings were read as present (#, not counting their details or the findings denied): the ranking is among the 49 conditions of the knowledge base (mostly respiratory and chest), and its probabilities rest on little",
		Uz: "Mavjud belgilar kam oʻqildi (#, ularning tafsilotlari va inkor etilgan belgilar hisobga olinmagan): tartib bilimlar bazasidagi 49 ta kasallik (asosan nafas yoʻllari va koʻkrak qafasi) orasida tuzilgan va ehtimolliklari kam maʼlumotga tayanadi",
		Ru: "Прочитано мало имеющихся признаков (#, без их подробностей и без отрицаемых): ранжирование идёт среди 49 заболеваний базы знаний (в основном органов дыхания и грудной клетки), и его вероятности опираются на малое",
	}
	// askBelow follows fewFindingsText where a next question is given.
	askBelow = ddxplus.Text{
		En: "; take it as a list to consider and answer the question below.",
		Uz: "; uni koʻrib chiqiladigan roʻyxat deb qabul qiling va quyidagi savolga javob bering.",
		Ru: "; считайте его списком для рассмотрения и ответьте на вопрос ниже.",
	}
	yes = ddxplus.Text{En: "Yes", Uz: "Ha", Ru: "Да"}
	no  = ddxplus.Text{En: "No", Uz: "Yoʻq", Ru: "Нет"}
)

func render(kb *ddxplus.KB, lang string, a *Assessment, findings []Finding, nGiven int, ext *textmap.Extraction) *Response {
	resp := &Response{
		Language:   lang,
		Disclaimer: Disclaimer(lang),
		ShouldStop: a.ShouldStop,
		Conditions: []ResponseCondition{},
		Evidence:   []ResponseEvidence{},
	}
	phrases := map[string]string{}
	if ext != nil {
		resp.Rejected = ext.Rejected
		for _, m := range ext.Matches {
			if _, ok := phrases[m.Evidence]; !ok {
				phrases[m.Evidence] = m.Phrase
			}
		}
	}
	for i, f := range findings {
		ev := evidenceOf(kb, f.Evidence)
		re := ResponseEvidence{ID: f.Evidence, Name: ev.Name.In(lang), ChoiceID: choice(f.Present), Values: f.Values, ValueNames: valueNames(ev, f.Values, lang)}
		if i >= nGiven {
			re.Source, re.Phrase = "text", phrases[f.Evidence]
		}
		resp.Evidence = append(resp.Evidence, re)
	}
	contribs := func(cs []Contribution) []ResponseEvidence {
		out := []ResponseEvidence{}
		for _, ct := range cs {
			out = append(out, ResponseEvidence{ID: ct.Evidence.Code, Name: ct.Evidence.Name.In(lang), ChoiceID: choice(ct.Present), Values: ct.Values,
				ValueNames: valueNames(ct.Evidence, ct.Values, lang)})
		}
		return out
	}
	for _, rc := range a.Conditions {
		c := ResponseCondition{
			ID: rc.Condition.ID, Name: rc.Condition.Name.In(lang), ICD10: rc.Condition.ICD10,
			Severity: rc.Condition.Severity, Probability: rc.Probability, Rank: rc.Rank, RedFlag: rc.RedFlag,
			Supporting: contribs(rc.Supporting), Opposing: contribs(rc.Opposing),
		}
		if rc.RedFlag {
			c.Referral = referrals.In(lang)
		}
		resp.Conditions = append(resp.Conditions, c)
	}
	if q := a.Question; q != nil {
		ev := q.Evidence
		rq := &ResponseQuestion{ID: ev.Code, Text: ev.Question.In(lang)}
		switch ev.Type {
		case ddxplus.Binary:
			rq.Type = "single"
			rq.Choices = []ResponseChoice{{"present", yes.In(lang)}, {"absent", no.In(lang)}}
		default:
			rq.Type = "categorical"
			if ev.Type == ddxplus.Multi {
				rq.Type = "multiple"
			}
			for _, v := range ev.Values {
				label := v.Meaning.In(lang)
				if label == "" {
					label = v.Code
				}
				rq.Choices = append(rq.Choices, ResponseChoice{v.Code, label})
			}
		}
		resp.Question = rq
	}
	return resp
}

func evidenceOf(kb *ddxplus.KB, code string) *ddxplus.Evidence {
	i, _ := kb.EvidenceIndex(code)
	return &kb.Evidences[i]
}

func choice(present bool) string {
	if present {
		return "present"
	}
	return "absent"
}

// valueNames are the meanings of codes of ev in lang; a code without one
// (a scale's number) stands as it is.
func valueNames(ev *ddxplus.Evidence, codes []string, lang string) []string {
	if len(codes) == 0 || ev == nil {
		return nil
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c
		if k := ev.ValueIndex(c); k >= 0 {
			if m := ev.Values[k].Meaning.In(lang); m != "" {
				out[i] = m
			}
		}
	}
	return out
}
