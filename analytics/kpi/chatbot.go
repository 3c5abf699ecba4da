package kpi

import (
	"context"
	"fmt"
	"time"
)

// ChatbotUsage is the portal chatbot's KPI block.
type ChatbotUsage struct {
	Questions      uint64  `json:"questions"`
	ResolutionRate float64 `json:"resolution_rate"`
	HandoffRate    float64 `json:"handoff_rate"`
	// Unanswered counts the questions neither answered nor handed off
	// (off-topic, greetings); TopUnanswered lists the most frequent of
	// the questions not answered, handed off or not: the gaps in the
	// knowledge base.
	Unanswered    uint64            `json:"unanswered"`
	ThumbsUp      uint64            `json:"thumbs_up"`
	ThumbsDown    uint64            `json:"thumbs_down"`
	PerDay        []DayLangCount    `json:"questions_per_day"`
	TopUnanswered []UnansweredCount `json:"top_unanswered"`
}

// DayLangCount is the questions of one day in one language form.
type DayLangCount struct {
	Day   string `json:"day"` // YYYY-MM-DD, UTC
	Lang  string `json:"lang"`
	Count uint64 `json:"count"`
}

// UnansweredCount is a question the bot could not answer, grouped by its
// folded search key, with one original (redacted) wording.
type UnansweredCount struct {
	Question string `json:"question"`
	Count    uint64 `json:"count"`
}

// Chatbot computes the chatbot KPIs for f.Period (at day precision):
// questions per day by language, the share resolved and handed off,
// feedback, and the most frequent unanswered questions (limit of them).
// The chatbot is national; a regional scope gets ErrNationalOnly.
func (s *Store) Chatbot(ctx context.Context, f Filter, limit int) (*ChatbotUsage, error) {
	if !f.Scope.all {
		return nil, ErrNationalOnly
	}
	// inner is the rollup merged per day and attribute set; each event
	// belongs to exactly one such group, so sums of the groups count
	// every event once.
	inner := func(q *sqlb) *sqlb {
		return q.add("(SELECT day, event, lang, outcome, rating, question_key, uniqExactMerge(events) AS n, anyMerge(question) AS q_text FROM ").
			table(s.db, "kpi_chatbot_daily").add(" WHERE 1").days(&f).
			add(" GROUP BY day, event, lang, outcome, rating, question_key)")
	}
	u := &ChatbotUsage{PerDay: []DayLangCount{}, TopUnanswered: []UnansweredCount{}}
	var resolved, handoff uint64
	q := inner((&sqlb{}).add("SELECT toUInt64(sumIf(n, event = 'question')), toUInt64(sumIf(n, event = 'question' AND outcome = 'resolved'))," +
		" toUInt64(sumIf(n, event = 'question' AND outcome = 'handoff')), toUInt64(sumIf(n, event = 'question' AND outcome = 'unanswered'))," +
		" toUInt64(sumIf(n, event = 'feedback' AND rating = 'up')), toUInt64(sumIf(n, event = 'feedback' AND rating = 'down')) FROM "))
	if err := s.conn.QueryRow(ctx, q.String(), q.args...).Scan(&u.Questions, &resolved, &handoff, &u.Unanswered, &u.ThumbsUp, &u.ThumbsDown); err != nil {
		return nil, fmt.Errorf("kpi: chatbot: %w", err)
	}
	if u.Questions > 0 {
		u.ResolutionRate = float64(resolved) / float64(u.Questions)
		u.HandoffRate = float64(handoff) / float64(u.Questions)
	}
	q = inner((&sqlb{}).add("SELECT day, lang, toUInt64(sum(n)) FROM ")).add(" WHERE event = 'question' GROUP BY day, lang ORDER BY day, lang")
	rows, err := s.conn.Query(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("kpi: chatbot per day: %w", err)
	}
	for rows.Next() {
		var (
			d time.Time
			r DayLangCount
		)
		if err := rows.Scan(&d, &r.Lang, &r.Count); err != nil {
			rows.Close()
			return nil, fmt.Errorf("kpi: chatbot per day: %w", err)
		}
		r.Day = d.Format(time.DateOnly)
		u.PerDay = append(u.PerDay, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kpi: chatbot per day: %w", err)
	}
	q = inner((&sqlb{}).add("SELECT any(q_text) AS g_text, toUInt64(sum(n)) AS c FROM ")).
		add(" WHERE event = 'question' AND outcome != 'resolved' AND question_key != '' GROUP BY question_key ORDER BY c DESC, g_text LIMIT ?", limit)
	rows, err = s.conn.Query(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("kpi: chatbot unanswered: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r UnansweredCount
		if err := rows.Scan(&r.Question, &r.Count); err != nil {
			return nil, fmt.Errorf("kpi: chatbot unanswered: %w", err)
		}
		u.TopUnanswered = append(u.TopUnanswered, r)
	}
	return u, rows.Err()
}
