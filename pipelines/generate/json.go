package generate

import (
	"strconv"
	"time"

	"github.com/oqim/oqim/pipelines/events"
)

// AppendJSON appends the event's envelope as one JSON object (or, for a
// bad record, what its Fault makes of it). It only appends to b, so with a
// buffer of enough capacity it does not allocate.
func (e *Event) AppendJSON(b []byte) []byte {
	start := len(b)
	b = append(b, `{"id":`...)
	b = strconv.AppendQuote(b, e.ID)
	if e.Fault != events.ReasonMissingField {
		b = append(b, `,"source":`...)
		b = strconv.AppendQuote(b, e.Source)
	}
	b = append(b, `,"type":"`...)
	b = append(b, e.Family.String()...)
	b = append(b, '.')
	if e.Fault == events.ReasonUnknownType {
		b = append(b, unknownEvents[e.Family%numFamilies]...)
	} else {
		b = append(b, e.Status...)
	}
	// invalid_value: a value outside the schema's enum or range, as when
	// an agency adds a code before the schema knows it.
	inv := e.Fault == events.ReasonInvalidValue
	switch e.Fault {
	case events.ReasonWrongType:
		// A legacy system's Unix seconds as a number, not a string.
		b = append(b, `","time":`...)
		b = strconv.AppendInt(b, e.Time.Unix(), 10)
	default:
		b = append(b, `","time":"`...)
		b = e.Time.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, '"')
	}
	b = append(b, `,"region":`...)
	b = strconv.AppendQuote(b, e.Region)
	if e.Fault == events.ReasonDuplicateKey {
		// An agency's serializer that merges its default envelope into
		// the event's writes the key twice.
		b = append(b, `,"region":`...)
		b = strconv.AppendQuote(b, e.Region)
	}
	if e.District != "" {
		b = append(b, `,"district":`...)
		b = strconv.AppendQuote(b, e.District)
	}
	b = append(b, `,"data":{`...)
	switch e.Family {
	case PortalApplication:
		b = appendStr(b, `"application_id":`, e.ApplicationID)
		b = appendStr(b, `,"service_id":`, e.ServiceID)
		b = appendStr(b, `,"agency":`, e.Agency)
		b = appendStr(b, `,"channel":`, pick(inv, "call_centre", e.Channel))
		b = appendTime(b, `,"deadline":`, e.Deadline)
	case PortalPayment:
		b = appendStr(b, `"payment_id":`, e.PaymentID)
		b = appendStr(b, `,"application_id":`, e.ApplicationID)
		b = appendStr(b, `,"service_id":`, e.ServiceID)
		b = append(b, `,"amount_uzs":`...)
		b = strconv.AppendFloat(b, e.AmountUZS, 'f', -1, 64)
		b = appendStr(b, `,"method":`, pick(inv, "cash", e.Method))
	case OpenDataDataset:
		b = appendStr(b, `"agency":`, e.Agency)
		b = appendStr(b, `,"dataset":`, e.Dataset)
		b = appendStr(b, `,"title":`, e.Title)
		b = appendStr(b, `,"format":`, pick(inv, "pdf", e.Format))
		b = append(b, `,"rows":`...)
		b = strconv.AppendInt(b, e.Rows, 10)
		b = appendStr(b, `,"url":`, e.URL)
	case TelecomRollout:
		b = appendStr(b, `"operator":`, e.Operator)
		b = append(b, `,"fibre_km":`...)
		km := e.FibreKm
		if inv {
			km = -km - 0.5 // a correction sent as a negative increment
		}
		b = strconv.AppendFloat(b, km, 'f', -1, 64)
		b = append(b, `,"base_stations":`...)
		b = strconv.AppendInt(b, int64(e.BaseStations), 10)
	case ProjectMilestone:
		b = appendStr(b, `"project_id":`, e.ProjectID)
		b = appendStr(b, `,"annex":`, pick(inv, "national", e.Annex))
		b = append(b, `,"item_no":`...)
		b = strconv.AppendInt(b, int64(e.ItemNo), 10)
		b = append(b, `,"step":`...)
		b = strconv.AppendInt(b, int64(e.Step), 10)
		b = appendStr(b, `,"executor":`, e.Executor)
		b = appendTime(b, `,"deadline":`, e.Deadline)
	case EmergencyCall:
		b = appendStr(b, `"call_id":`, e.CallID)
		b = appendStr(b, `,"service":`, pick(inv, "medical", e.Service))
		b = append(b, `,"response_seconds":`...)
		b = strconv.AppendInt(b, int64(e.ResponseSeconds), 10)
	case HealthPrescription:
		b = appendStr(b, `"prescription_id":`, e.PrescriptionID)
		b = appendStr(b, `,"facility":`, e.Facility)
		b = append(b, `,"inn_count":`...)
		if inv {
			b = append(b, '0')
		} else {
			b = strconv.AppendInt(b, int64(e.InnCount), 10)
		}
	case MahallaAppeal:
		b = appendStr(b, `"appeal_id":`, e.AppealID)
		b = appendStr(b, `,"mahalla":`, e.Mahalla)
		b = appendStr(b, `,"category":`, pick(inv, "water_supply", e.Category))
		b = append(b, `,"resolved":`...)
		b = strconv.AppendBool(b, e.Resolved)
	}
	if e.padding > 0 {
		// A scanned attachment inlined by mistake.
		b = append(b, `,"attachment":"`...)
		for n := 0; n < e.padding; n += len(base64Chunk) {
			b = append(b, base64Chunk...)
		}
		b = append(b, '"')
	}
	b = append(b, `}}`...)
	if e.Fault == events.ReasonMalformed {
		// A line cut off mid-record.
		b = b[:start+(len(b)-start)*2/3]
	}
	return b
}

const base64Chunk = "JVBERi0xLjcKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9G"

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

func appendStr(b []byte, key, v string) []byte {
	b = append(b, key...)
	return strconv.AppendQuote(b, v)
}

func appendTime(b []byte, key string, t time.Time) []byte {
	b = append(b, key...)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

// unknownEvents are event names agencies start sending before the schema
// knows them.
var unknownEvents = [numFamilies]string{
	"withdrawn", "pending", "deleted", "plan", "postponed", "opened", "cancelled", "escalated",
}

// Faults are the reasons bad records are made for, with their relative
// frequency: every DLQ reason of pipelines/events.
var (
	Faults       = []events.Reason{events.ReasonMalformed, events.ReasonWrongType, events.ReasonMissingField, events.ReasonInvalidValue, events.ReasonUnknownType, events.ReasonUnknownRegion, events.ReasonTooLarge, events.ReasonFutureTime, events.ReasonDuplicateKey}
	faultWeights = []float64{20, 14, 10, 14, 10, 14, 4, 14, 4}
)

// badRegions are region values that are no ISO 3166-2:UZ code nor a
// region name: a guessed code for Karakalpakstan, a misspelt code, a
// placeholder and a wrong country prefix.
var badRegions = []string{"UZ-KK", "UZ-TS", "UZ-00", "XX-JI"}

// spoil turns ev into a bad record: the decoder rejects it with the
// reason it carries in Fault. A future_time record is stamped five hours
// or more ahead of now, as when Tashkent time is sent marked as UTC.
func (g *Generator) spoil(ev *Event, now time.Time) {
	ev.Fault = Faults[g.pick(faultWeights)]
	switch ev.Fault {
	case events.ReasonFutureTime:
		ev.Time = now.Add(5*time.Hour + g.uniformDur(time.Minute, time.Hour)).Truncate(time.Second)
	case events.ReasonUnknownRegion:
		ev.Region = badRegions[g.rng.IntN(len(badRegions))]
	case events.ReasonTooLarge:
		ev.padding = g.opts.OversizeBytes
	}
}
