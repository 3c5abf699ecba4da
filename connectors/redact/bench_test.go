package redact

import "testing"

// BenchmarkRedact runs on every chat message before it is stored or sent
// to an LLM. Most messages hold no identifier, so "clean" is the common
// path; "identifiers" holds one of each kind.
func BenchmarkRedact(b *testing.B) {
	r := New()
	for _, c := range []struct {
		name, text string
		each       int // identifiers in text
	}{
		{"clean", "Assalomu alaykum, farzandim tug'ilganlik haqidagi guvohnomasini yo'qotib qo'ydi, qanday qilib nusxasini olsam bo'ladi? Дубликат нужен срочно.", 0},
		{"identifiers", "pasportim AA1234567, JSHSHIR 31205678901234, tel +998 90 123-45-67, karta 8600 1234 5678 9012, pochta ali@example.uz, qayta tiklash kerak", 5},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			b.ReportAllocs()
			var n int
			for range b.N {
				_, counts := r.Redact(c.text)
				n += counts.Total()
			}
			if n != c.each*b.N {
				b.Fatalf("removed %d identifiers in %d runs, want %d a run", n, b.N, c.each)
			}
		})
	}
}
