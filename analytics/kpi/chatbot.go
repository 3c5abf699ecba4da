package kpi

import (
	"context"
	"fmt"
	"time"
)

// ChatbotUsage is the portal chatbot's KPI block.
type ChatbotUsage struct {
	Questions      uint64            `json:"questions"`
	ResolutionRate float64           `json:"resolution_rate"`
	HandoffRate    float64           `json:"handoff_rate"`
	Unanswered     uint64            `json:"unanswered"`
	ThumbsUp       uint64            `json:"thumbs_up"`
	ThumbsDown     uint64            `json:"thumbs_down"`
	PerDay         []DayLangCount    `json:"questions_per_day"`
	TopUnanswered  []UnansweredCount `json:"top_unanswered"`
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

// Chatbot computes the chatbot KPIs for p: questions per day by language,
// the share resolved and handed off, feedback, and the most frequent
// unanswered questions (limit of them).
func (s *Store) Chatbot(ctx context.Context, p Period, limit int) (*ChatbotUsage, error) {
	tbl := s.db + ".chatbot_events FINAL"
	span := " time >= toDateTime(?) AND time < toDateTime(?)"
	args := []any{p.From.Unix(), p.To.Unix()}
	u := &ChatbotUsage{PerDay: []DayLangCount{}, TopUnanswered: []UnansweredCount{}}
	var resolved, handoff uint64
	err := s.conn.QueryRow(ctx, "SELECT countIf(event = 'question'), countIf(event = 'question' AND outcome = 'resolved'),"+
		" countIf(event = 'question' AND outcome = 'handoff'), countIf(event = 'question' AND outcome = 'unanswered'),"+
		" countIf(event = 'feedback' AND rating = 'up'), countIf(event = 'feedback' AND rating = 'down')"+
		" FROM "+tbl+" WHERE"+span, args...).Scan(&u.Questions, &resolved, &handoff, &u.Unanswered, &u.ThumbsUp, &u.ThumbsDown)
	if err != nil {
		return nil, fmt.Errorf("kpi: chatbot: %w", err)
	}
	if u.Questions > 0 {
		u.ResolutionRate = float64(resolved) / float64(u.Questions)
		u.HandoffRate = float64(handoff) / float64(u.Questions)
	}
	rows, err := s.conn.Query(ctx, "SELECT toDate(time) AS d, lang, count() FROM "+tbl+" WHERE event = 'question' AND"+span+
		" GROUP BY d, lang ORDER BY d, lang", args...)
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
	rows, err = s.conn.Query(ctx, "SELECT any(question), count() AS c FROM "+tbl+
		" WHERE event = 'question' AND outcome != 'resolved' AND question_key != '' AND"+span+
		" GROUP BY question_key ORDER BY c DESC, any(question) LIMIT ?", append(args, limit)...)
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
