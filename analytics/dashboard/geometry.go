package dashboard

import (
	"fmt"
	"math"
	"strings"
)

// The map's outlines are simplified by hand from the regions' borders:
// a few dozen shared vertices in longitude and latitude, so neighbouring
// regions meet exactly, projected equirectangularly at Uzbekistan's mean
// latitude. They are recognisable, not survey-grade: enough to find a
// region at a glance, not to measure one.

// Projection of the map: x grows east, y grows south, in SVG user units.
const (
	lon0, lat0 = 55.8, 45.75 // the viewBox's top-left corner
	mapScale   = 56.0        // units per degree of latitude
	mapWidth   = 740
	mapHeight  = 495
)

var cosLat = math.Cos(41.5 * math.Pi / 180)

func project(lon, lat float64) (x, y float64) {
	return (lon - lon0) * cosLat * mapScale, (lat0 - lat) * mapScale
}

// vertices are the shared border points, {longitude, latitude}.
var vertices = map[string][2]float64{
	// The border with Kazakhstan, west to east.
	"N01": {56.00, 45.00}, "N03": {58.57, 45.57}, "N04": {60.00, 44.90}, "N05": {61.10, 44.25},
	"N06": {62.20, 43.50}, "N07": {63.40, 43.65}, "N08": {64.90, 43.70}, "N09": {65.60, 43.15},
	"N10": {66.10, 42.95}, "N11": {66.20, 42.05}, "N12": {66.75, 41.20}, "N13": {67.60, 41.05},
	"N14": {68.30, 40.75}, "N15": {68.70, 40.95}, "N16": {69.00, 41.30}, "N17": {69.45, 41.65},
	"N18": {70.00, 41.80}, "N19": {70.35, 42.30}, "N20": {70.95, 42.10},
	// Kyrgyzstan, round the Fergana valley.
	"N21": {71.20, 41.55}, "N22": {71.80, 41.45}, "N23": {72.20, 41.05}, "N24": {72.65, 41.05},
	"N25": {73.15, 40.80}, "N26": {72.85, 40.45}, "N27": {72.25, 40.30}, "N28": {71.70, 40.15},
	"N29": {71.10, 40.20}, "N30": {70.55, 40.30},
	// Tajikistan, from the valley's west end to the Amu Darya.
	"N31": {70.45, 40.50}, "N32": {70.75, 40.75}, "N33": {70.50, 40.95}, "N34": {70.65, 41.15},
	"N35": {70.25, 40.95}, "N36": {69.70, 40.75}, "N37": {69.35, 40.55}, "N38": {69.25, 40.20},
	"N39": {68.85, 40.05}, "N40": {68.55, 40.00}, "N43": {68.30, 39.70}, "N44": {67.85, 39.65},
	"N48": {67.70, 39.45}, "N49": {67.40, 39.25}, "N54": {67.70, 39.00}, "N55": {68.15, 38.60},
	"N56": {68.35, 38.10}, "N57": {68.25, 37.50},
	// Afghanistan and Turkmenistan.
	"N58": {67.80, 37.18}, "N59": {67.25, 37.20}, "N60": {66.55, 37.35}, "N61": {66.65, 37.90},
	"N63": {66.10, 38.00}, "N64": {65.30, 38.30}, "N65": {64.70, 38.75}, "N72": {63.90, 39.15},
	"N73": {63.10, 39.60}, "N74": {62.40, 40.45}, "N76": {61.95, 40.85}, "N77": {61.45, 41.15},
	"N78": {61.05, 41.00}, "N79": {60.50, 41.05}, "N80": {60.05, 41.35}, "N81": {60.10, 41.90},
	"N85": {59.55, 42.20}, "N86": {58.55, 42.65}, "N87": {58.00, 42.30}, "N88": {57.30, 41.60},
	"N89": {57.05, 41.26}, "N90": {56.00, 41.32},
	// Inner borders.
	"N41": {68.95, 40.60}, "N42": {68.45, 40.40}, "N45": {67.40, 40.05}, "N46": {66.70, 40.40},
	"N47": {66.45, 40.85}, "N50": {66.75, 39.35}, "N51": {66.00, 39.50}, "N52": {65.80, 39.65},
	"N53": {66.10, 40.05}, "N62": {67.00, 38.35}, "N66": {64.95, 39.25}, "N67": {65.15, 39.65},
	"N68": {64.90, 40.15}, "N69": {64.20, 40.55}, "N70": {63.30, 41.00}, "N71": {62.60, 41.25},
	"N75": {62.05, 42.40}, "N82": {60.45, 42.05}, "N83": {60.85, 41.90}, "N84": {61.15, 41.55},
	"F1": {71.95, 40.82}, "F2": {71.30, 40.75}, "F3": {72.10, 40.55},
}

// rings are the regions' outlines as vertex names, by ISO 3166-2:UZ code.
var rings = map[string][]string{
	"UZ-QR": {"N01", "N03", "N04", "N05", "N06", "N75", "N71", "N74", "N76", "N77", "N84", "N83", "N82", "N81", "N85", "N86", "N87", "N88", "N89", "N90"},
	"UZ-XO": {"N81", "N82", "N83", "N84", "N77", "N78", "N79", "N80"},
	"UZ-NW": {"N06", "N07", "N08", "N09", "N10", "N11", "N12", "N47", "N46", "N53", "N52", "N67", "N68", "N69", "N70", "N71", "N75"},
	"UZ-BU": {"N71", "N70", "N69", "N68", "N67", "N66", "N65", "N72", "N73", "N74"},
	"UZ-QA": {"N67", "N52", "N51", "N50", "N49", "N54", "N62", "N61", "N63", "N64", "N65", "N66"},
	"UZ-SU": {"N54", "N55", "N56", "N57", "N58", "N59", "N60", "N61", "N62"},
	"UZ-SA": {"N46", "N45", "N44", "N48", "N49", "N50", "N51", "N52", "N53"},
	"UZ-JI": {"N12", "N13", "N14", "N42", "N40", "N43", "N44", "N45", "N46", "N47"},
	"UZ-SI": {"N14", "N15", "N41", "N38", "N39", "N40", "N42"},
	"UZ-TO": {"N15", "N16", "N17", "N18", "N19", "N20", "N21", "N34", "N35", "N36", "N37", "N38", "N41"},
	"UZ-NG": {"N21", "N22", "N23", "F1", "F2", "N32", "N33", "N34"},
	"UZ-AN": {"N23", "N24", "N25", "N26", "N27", "F3", "F1"},
	"UZ-FA": {"F1", "F3", "N27", "N28", "N29", "N30", "N31", "N32", "F2"},
}

// Tashkent city is an enclave of Tashkent region: an octagon round its
// centre, drawn a little larger than life so it can be found and clicked.
var tashkentCity = struct{ lon, lat, rLon, rLat float64 }{69.28, 41.31, 0.17, 0.12}

// Shape is one region's outline on the map.
type Shape struct {
	// Path is an SVG path in the map's viewBox; Tashkent region's has
	// the city as a hole (fill-rule evenodd).
	Path string `json:"path"`
	// Label is where the region's value is written: its centroid, or
	// for the small Fergana-valley regions and the capital a point
	// beside them.
	Label [2]float64 `json:"label"`
}

// ViewBox is the map's SVG viewBox.
const ViewBox = "0 0 740 495"

// Shapes returns every region's outline, by ISO code.
func Shapes() map[string]Shape {
	out := map[string]Shape{}
	city := cityRing()
	for id, names := range rings {
		pts := make([][2]float64, len(names))
		for i, n := range names {
			v, ok := vertices[n]
			if !ok {
				panic("dashboard: unknown map vertex " + n)
			}
			pts[i][0], pts[i][1] = project(v[0], v[1])
		}
		d := pathOf(pts)
		if id == "UZ-TO" {
			d += " " + pathOf(city)
		}
		out[id] = Shape{Path: d, Label: centroid(pts)}
	}
	out["UZ-TK"] = Shape{Path: pathOf(city), Label: centroid(city)}
	// Labels that would not fit inside their region.
	for id, off := range map[string][2]float64{"UZ-TK": {-34, -14}, "UZ-SI": {-4, 2}, "UZ-TO": {14, -22}} {
		s := out[id]
		s.Label[0] += off[0]
		s.Label[1] += off[1]
		out[id] = s
	}
	return out
}

func cityRing() [][2]float64 {
	c := tashkentCity
	pts := make([][2]float64, 8)
	for i := range pts {
		a := float64(i) * math.Pi / 4
		pts[i][0], pts[i][1] = project(c.lon+c.rLon*math.Cos(a), c.lat+c.rLat*math.Sin(a))
	}
	return pts
}

func pathOf(pts [][2]float64) string {
	var b strings.Builder
	for i, p := range pts {
		if i == 0 {
			b.WriteString("M")
		} else {
			b.WriteString("L")
		}
		fmt.Fprintf(&b, "%.1f %.1f", p[0], p[1])
	}
	b.WriteString("Z")
	return b.String()
}

// centroid is the area centroid of a simple polygon.
func centroid(pts [][2]float64) [2]float64 {
	var a, cx, cy float64
	for i := range pts {
		p, q := pts[i], pts[(i+1)%len(pts)]
		cr := p[0]*q[1] - q[0]*p[1]
		a += cr
		cx += (p[0] + q[0]) * cr
		cy += (p[1] + q[1]) * cr
	}
	a /= 2
	return [2]float64{math.Round(cx/(6*a)*10) / 10, math.Round(cy/(6*a)*10) / 10}
}
