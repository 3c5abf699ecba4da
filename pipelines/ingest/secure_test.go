package ingest_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/connectors/kafka/kafkatest"
	"github.com/oqim/oqim/pipelines/events"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/ingest/ingesttest"
)

// The pipeline end to end on a broker that serves only TLS and accepts
// only SCRAM-authenticated clients: its consumer, its dead-letter writer
// and the test's producer all go through the one kafka.Cluster built from
// the kafka.tls and kafka.sasl settings. The same pipeline without the
// credentials, or with a wrong password, lands nothing.
func TestPipelineOverTLSAndSCRAM(t *testing.T) {
	for _, mech := range []string{"SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			pki := kafkatest.NewPKI(t)
			env := ingesttest.NewWith(t, embedded.Options{
				TLS:   &tls.Config{Certificates: []tls.Certificate{pki.Server}},
				Users: []embedded.User{{Mechanism: mech, Name: "oqim-ingest", Password: "s3cret-" + mech}},
			})
			good := kafka.Config{Brokers: env.Brokers, TLS: kafka.TLSConfig{Enabled: true, CAFile: pki.CAFile},
				SASL: kafka.SASLConfig{Mechanism: mech, Username: "oqim-ingest", Password: "s3cret-" + mech}}
			cluster := func(c kafka.Config) *kafka.Cluster {
				cl, err := kafka.NewCluster(c)
				if err != nil {
					t.Fatal(err)
				}
				return cl
			}
			env.Kafka = cluster(good)

			msgs, want := generated(t, env, 500)
			bad := kafkago.Message{Key: []byte("bad"), Value: []byte(`{"id":"x1",`)}
			env.Produce(t, append(msgs, bad))

			// Without SASL, and with a wrong password, the pipeline
			// reads nothing.
			wrong := good
			wrong.SASL.Password = "wrong"
			noSASL := good
			noSASL.SASL = kafka.SASLConfig{}
			for name, c := range map[string]kafka.Config{"no SASL": noSASL, "wrong password": wrong} {
				locked := *env
				locked.Kafka = cluster(c)
				p := locked.Start(t, "locked-out-"+name)
				time.Sleep(2 * time.Second)
				if rows, dead := p.Metrics.Rows.Get(), p.DeadLetters(); rows != 0 || dead != 0 {
					t.Fatalf("%s: the pipeline landed %d rows and %d dead letters", name, rows, dead)
				}
				_ = p.Stop()
			}

			p := env.Start(t, "secure")
			p.WaitRows(t, uint64(len(msgs)), 1)
			got, total := landed(t, env)
			equal(t, got, want)
			if total != uint64(len(msgs)) {
				t.Fatalf("%d rows, want %d", total, len(msgs))
			}
			// The dead letter went through the same authenticated writer;
			// read it back through the same cluster.
			cons, err := env.Kafka.NewConsumer(kafka.ConsumerConfig{Group: "dlq-check", Topics: []string{ingesttest.Topic + ".dlq"}, FetchWait: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer cons.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ch, err := cons.Poll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ch.Len() != 1 {
				t.Fatalf("%d dead letters, want 1", ch.Len())
			}
			var dl ingest.DeadLetter
			err = json.Unmarshal(ch.Value(0), &dl)
			cons.Release(ch)
			if err != nil || dl.Error == nil || dl.Error.Reason != events.ReasonMalformed || dl.Payload != string(bad.Value) {
				t.Fatalf("dead letter %+v, %v; want %q with reason %s", dl, err, bad.Value, events.ReasonMalformed)
			}
		})
	}
}
