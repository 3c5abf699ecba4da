package kpi

import (
	"cmp"
	"strings"
)

// Calls: 112 emergency calls and response times.
var Calls = &Table{
	Name:  "calls",
	Title: "112 emergency calls and response times",
	Doc:   "Calls closed per time bucket, place and service, with the median and 90th percentile of the response time (call to arrival).",
	Columns: cols(colPeriod, colRegion, colDistrict,
		Column{"service", String, "fire, police, ambulance, gas or rescue"},
		Column{"calls", Int, "calls closed"},
		Column{"median_seconds", Float, "median response time, seconds"},
		Column{"p90_seconds", Float, "90th percentile response time, seconds"},
	),
	District: true,
	Uses:     []string{"granularity"},
	sealed:   []string{famCalls},
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		// One row per call with its response time: merged from kpi_calls
		// for live days, expanded from the sealed histogram (calls per
		// response time) for sealed ones.
		ds := f.sealed(famCalls)
		q := &sqlb{}
		q.add("SELECT "+f.Granularity.bucket("day")+" AS g_period, ").dims(f, true).
			add(", service, toInt64(count()), quantilesExact(0.5, 0.9)(toFloat64(rs))[1], quantilesExact(0.5, 0.9)(toFloat64(rs))[2] FROM ")
		q.sealedUnion(ds, func(q *sqlb) {
			q.add("SELECT day, region, district, service, maxMerge(response_seconds) AS rs FROM ").
				table(s.db, "kpi_calls").where(f, true).liveDays(ds).
				add(" GROUP BY day, region, district, service, call_id")
		}, func(q *sqlb) {
			q.add("SELECT day, region, district, service, response_seconds AS rs FROM ").
				table(s.db, "kpi_sealed_call_days").add(" ARRAY JOIN range(calls) AS call").where(f, true).sealedDays(ds)
		})
		return q.add(" GROUP BY g_period, g_region, g_district, service ORDER BY g_period, g_region, g_district, service")
	}, nil),
}

// Prescriptions: e-prescriptions issued and the share dispensed.
var Prescriptions = &Table{
	Name:  "prescriptions",
	Title: "E-prescriptions issued and dispensed",
	Doc:   "Electronic prescriptions issued and dispensed per time bucket and place (each counted on the day of its event), and dispensed / issued: a prescription is dispensed days after it is issued, so in a short bucket the share can exceed 1, and it is a ratio of flows, not the share of one bucket's prescriptions dispensed.",
	Columns: cols(colPeriod, colRegion, colDistrict,
		Column{"issued", Int, "prescriptions issued"},
		Column{"dispensed", Int, "prescriptions dispensed"},
		Column{"dispensed_share", Float, "dispensed / issued"},
	),
	District: true,
	Uses:     []string{"granularity"},
	sealed:   []string{famPrescriptions},
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		ds := f.sealed(famPrescriptions)
		q := &sqlb{}
		q.add("SELECT "+f.Granularity.bucket("day")+" AS g_period, ").dims(f, true).
			add(", toInt64(sumIf(n, event = 'issued')) AS g_i, toInt64(sumIf(n, event = 'dispensed')) AS g_d, if(g_i > 0, g_d / g_i, 0) FROM ")
		q.sealedUnion(ds, func(q *sqlb) {
			q.add("SELECT day, region, district, event, uniqExactMerge(prescriptions) AS n FROM ").
				table(s.db, "kpi_prescriptions_daily").where(f, true).liveDays(ds).
				add(" GROUP BY day, region, district, event")
		}, func(q *sqlb) {
			q.add("SELECT day, region, district, event, prescriptions AS n FROM ").
				table(s.db, "kpi_sealed_prescription_days").where(f, true).sealedDays(ds)
		})
		return q.add(" GROUP BY g_period, g_region, g_district ORDER BY g_period, g_region, g_district")
	}, nil),
}

// Appeals: Digital Mahalla appeals and their resolution rate.
var Appeals = &Table{
	Name:  "appeals",
	Title: "Digital Mahalla appeals and resolution rate",
	Doc:   "Appeals submitted and closed per time bucket, place and category, each counted on the day of its event; resolved counts closures marked resolved, and the resolution rate is resolved / closed, the share of closures that resolved the appeal (an appeal closes days after it is submitted, so resolved / submitted in one bucket could exceed 1).",
	Columns: cols(colPeriod, colRegion, colDistrict,
		Column{"category", String, "appeal category"},
		Column{"submitted", Int, "appeals submitted"},
		Column{"closed", Int, "appeals closed (resolved event)"},
		Column{"resolved", Int, "closures marked resolved"},
		Column{"resolution_rate", Float, "resolved / closed"},
	),
	District: true,
	Uses:     []string{"granularity"},
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		q := &sqlb{}
		q.add("SELECT "+f.Granularity.bucket("day")+" AS g_period, ").dims(f, true).
			add(", category, toInt64(sumIf(n, event = 'submitted')) AS g_s, toInt64(sumIf(n, event = 'resolved')) AS g_c, toInt64(sumIf(n, event = 'resolved' AND resolved = 1)) AS g_r, if(g_c > 0, g_r / g_c, 0) FROM (SELECT day, region, district, event, category, resolved, uniqExactMerge(appeals) AS n FROM ").
			table(s.db, "kpi_appeals_daily").where(f, true).days(f).
			add(" GROUP BY day, region, district, event, category, resolved) GROUP BY g_period, g_region, g_district, category ORDER BY g_period, g_region, g_district, category")
		return q
	}, nil),
}

// Assistants: chatbot and doctor-assistant usage, national.
var Assistants = &Table{
	Name:  "assistants",
	Title: "Chatbot and doctor-assistant usage",
	Doc:   "National only (the portal chatbot and the doctor assistant have no regions): chatbot questions, resolved and handed off; doctor-assistant audio jobs, transcriptions and structured notes; and clinical notes signed and delivered to Digital Healthcare, whether made from audio or typed text, per time bucket.",
	Columns: cols(colPeriod,
		Column{"chatbot_questions", Int, "questions asked"},
		Column{"chatbot_resolved", Int, "questions answered (outcome resolved)"},
		Column{"chatbot_handoffs", Int, "questions handed to an operator"},
		Column{"doctor_jobs", Int, "doctor-assistant audio jobs created"},
		Column{"doctor_transcriptions", Int, "audio jobs transcribed"},
		Column{"doctor_notes", Int, "audio jobs with a structured note"},
		Column{"doctor_notes_signed", Int, "clinical notes signed by their doctor (from audio or from text)"},
		Column{"doctor_notes_delivered", Int, "clinical notes delivered to Digital Healthcare"},
	),
	National: true,
	Uses:     []string{"granularity"},
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		from, to := f.Period.From.Unix(), f.Period.To.Unix()
		b := f.Granularity.bucket
		// Each branch fills one group of columns and zeroes the others;
		// cells lists them in order.
		cells := func(fill map[int]string, names ...string) string {
			out := make([]string, 8)
			for i := range out {
				out[i] = cmp.Or(fill[i], "toUInt64(0)")
				if i < len(names) {
					out[i] += " AS " + names[i]
				}
			}
			return strings.Join(out, ", ")
		}
		q := &sqlb{}
		// The first branch names the columns; the union takes the others
		// by position.
		q.add("SELECT g_period, toInt64(sum(g_q)), toInt64(sum(g_r)), toInt64(sum(g_h)), toInt64(sum(g_j)), toInt64(sum(g_t)), toInt64(sum(g_n)), toInt64(sum(g_s)), toInt64(sum(g_d)) FROM ("+
			"SELECT "+b("day")+" AS g_period, "+cells(map[int]string{0: "sumIf(n, event = 'question')", 1: "sumIf(n, event = 'question' AND outcome = 'resolved')", 2: "sumIf(n, event = 'question' AND outcome = 'handoff')"},
			"g_q", "g_r", "g_h", "g_j", "g_t", "g_n", "g_s", "g_d")+
			" FROM (SELECT day, event, outcome, uniqExactMerge(events) AS n FROM ").
			table(s.db, "kpi_chatbot_daily").add(" WHERE 1").days(f).add(" GROUP BY day, event, outcome) GROUP BY g_period")
		for i, col := range []string{"t_created", "t_tr", "t_note"} {
			q.add(" UNION ALL SELECT "+b(col)+" AS g_period, "+cells(map[int]string{3 + i: "count()"})+" FROM (SELECT job_id, minMerge(created) AS t_created, minIfMerge(transcribed) AS t_tr, minIfMerge(noted) AS t_note FROM ").
				table(s.db, "kpi_doctor_jobs").
				add(" GROUP BY job_id) WHERE "+col+" >= toDateTime(?) AND "+col+" < toDateTime(?) GROUP BY g_period", from, to)
		}
		// A clinical note is signed once and delivered once; its versions
		// carry the times (0 until then), so a note counts once per event.
		for i, col := range []string{"t_signed", "t_delivered"} {
			q.add(" UNION ALL SELECT "+b(col)+" AS g_period, "+cells(map[int]string{6 + i: "count()"})+" FROM (SELECT note_id, max(signed_at) AS t_signed, max(delivered_at) AS t_delivered FROM ").
				table(s.db, "clinical_notes").
				add(" GROUP BY note_id) WHERE "+col+" >= toDateTime(?) AND "+col+" < toDateTime(?) AND "+col+" > toDateTime(0) GROUP BY g_period", from, to)
		}
		return q.add(") GROUP BY g_period ORDER BY g_period")
	}, nil),
}
