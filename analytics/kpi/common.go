package kpi

import (
	"github.com/oqim/oqim/models/region"
)

// The geographic and time columns most tables start with.
var (
	colPeriod   = Column{"period", Date, "first day of the time bucket (UTC)"}
	colRegion   = Column{"region", String, "ISO 3166-2:UZ region code; at level=country UZ, or the regions of a regional scope joined with +"}
	colDistrict = Column{"district", String, "district at level=district, else empty"}
)

func cols(cs ...Column) []Column { return cs }

// target returns the decree target id from ref, divided by per (70
// percent becomes 0.70 with per 100; dividing, unlike multiplying by
// 0.01, gives the float nearest 0.7, which exports print as "0.7").
func target(ref *region.Data, id string, per float64) (Target, bool) {
	if ref == nil {
		return Target{}, false
	}
	for _, t := range ref.Targets {
		if t.ID == id {
			return Target{ID: t.ID, Title: t.Title, Value: t.Value / per, Unit: t.Unit, Deadline: t.Deadline}, true
		}
	}
	return Target{}, false
}

func targets(ids ...string) func(*region.Data) []Target {
	return func(ref *region.Data) []Target {
		var out []Target
		for _, id := range ids {
			if t, ok := target(ref, id, 1); ok {
				out = append(out, t)
			}
		}
		return out
	}
}

// Tables lists every KPI table, in the order the API documents them.
func Tables() []*Table {
	return []*Table{
		EServices, EServicesElectronic, EServicesProcessing, EServicesStalled, EServicesTop,
		Telecom, TelecomPlan,
		Projects, ProjectsSummary, ProjectDeadlines,
		OpenData, OpenDataFreshness, OpenDataCompliance,
		Calls, Prescriptions, Appeals,
		Assistants,
	}
}

// ElectronicShareTarget is the decree's K02 target for the share of
// e-services, as a fraction, used when the reference data lacks it.
const ElectronicShareTarget = 0.70
