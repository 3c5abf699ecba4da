package main

import (
	"context"
	"crypto/tls"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/connectors/clickhouse/migrate/migratetest"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/connectors/kafka/kafkatest"
)

// The commands take kafka.tls and kafka.sasl from the configuration (here
// OQIM_KAFKA_* variables) for every client they build: `oqim generate`
// produces through TLS and SCRAM, `oqim ingest` consumes and writes its
// dead letters through them, on a three-broker cluster that serves only
// TLS and only authenticated clients. A wrong password stops both at
// start, naming the login.
func TestCommandsOverTLSAndSCRAM(t *testing.T) {
	dsn := chtest.Default.DSN(t)
	conn, db := migratetest.Database(t, schemaSets()...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const (
		topic = "secure.applications"
		mech  = "SCRAM-SHA-512"
	)
	pki := kafkatest.NewPKI(t)
	b, err := embedded.Start(embedded.Options{Brokers: 3, Partitions: 2, Topics: []string{topic, topic + ".dlq"},
		TLS:   &tls.Config{Certificates: []tls.Certificate{pki.Server}},
		Users: []embedded.User{{Mechanism: mech, Name: "oqim", Password: "right"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	env := func(password string) []string {
		var e []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "OQIM_") {
				e = append(e, kv)
			}
		}
		return append(e, runAsOqim+"=1", "OQIM_LOG_LEVEL=info",
			"OQIM_KAFKA_BROKERS="+strings.Join(b.Addrs(), ","), "OQIM_KAFKA_TOPIC="+topic, "OQIM_KAFKA_GROUP=secure",
			"OQIM_KAFKA_PARTITIONS=2",
			"OQIM_KAFKA_TLS_ENABLED=true", "OQIM_KAFKA_TLS_CA_FILE="+pki.CAFile,
			"OQIM_KAFKA_SASL_MECHANISM="+mech, "OQIM_KAFKA_SASL_USERNAME=oqim", "OQIM_KAFKA_SASL_PASSWORD="+password,
			"OQIM_CLICKHOUSE_DSN="+dsn, "OQIM_CLICKHOUSE_DATABASE="+db,
			"OQIM_PIPELINE_BATCH_SIZE=200", "OQIM_PIPELINE_BATCH_INTERVAL=50ms")
	}
	run := func(password string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, os.Args[0], args...)
		cmd.Env = env(password)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	generate := []string{"generate", "--backfill", "300", "--rate", "0", "--families", "portal.application", "--bad-fraction", "0.05", "--seed", "3"}

	// A wrong password stops both commands at start, naming the login.
	for _, args := range [][]string{generate, {"ingest", "--insecure-demo"}} {
		out, err := run("wrong", args...)
		if err == nil {
			t.Fatalf("%s with a wrong password succeeded:\n%s", args[0], out)
		}
		if !strings.Contains(out, `SASL login SCRAM-SHA-512 as "oqim"`) {
			t.Errorf("%s with a wrong password failed without naming the SASL login:\n%s", args[0], out)
		}
	}
	out, err := run("right", generate...)
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`events_sent=(\d+)`).FindStringSubmatch(out)
	bad := regexp.MustCompile(`bad_[a-z_]+=(\d+)`).FindAllStringSubmatch(out, -1)
	if m == nil || len(bad) == 0 {
		t.Fatalf("generate reported no counts:\n%s", out)
	}
	sent, _ := strconv.Atoi(m[1])
	dead := 0
	for _, b := range bad {
		n, _ := strconv.Atoi(b[1])
		dead += n
	}
	good := uint64(sent - dead)

	p := startOqim(t, "ingest", env("right"), "ingest", "--insecure-demo")
	var landed uint64
	waitFor(t, 45*time.Second, func() bool {
		if err := conn.QueryRow(ctx, "SELECT uniqExact(id) FROM "+db+".portal_applications").Scan(&landed); err != nil {
			t.Fatal(err)
		}
		return landed >= good
	}, func() string {
		return "rows landed: " + strconv.FormatUint(landed, 10) + " of " + strconv.FormatUint(good, 10)
	})
	if landed != good {
		t.Fatalf("%d events landed, want %d (%d sent, %d bad)", landed, good, sent, dead)
	}

	// The dead letters went through the authenticated writer; read them
	// back through the same settings.
	cl, err := kafka.NewCluster(kafka.Config{Brokers: b.Addrs(), TLS: kafka.TLSConfig{Enabled: true, CAFile: pki.CAFile},
		SASL: kafka.SASLConfig{Mechanism: mech, Username: "oqim", Password: "right"}})
	if err != nil {
		t.Fatal(err)
	}
	cons, err := cl.NewConsumer(kafka.ConsumerConfig{Group: "dlq-check", Topics: []string{topic + ".dlq"}, FetchWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	for got := 0; got < dead; {
		ch, err := cons.Poll(ctx)
		if err != nil {
			t.Fatalf("%d of %d dead letters read: %v\n%s", got, dead, err, p.Output())
		}
		got += ch.Len()
		cons.Release(ch)
		if got > dead {
			t.Fatalf("%d dead letters, want %d", got, dead)
		}
	}
	t.Logf("generate sent %d events over TLS and %s, %d of them bad; ingest landed %d and dead-lettered %d", sent, mech, dead, landed, dead)
}
