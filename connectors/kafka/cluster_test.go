package kafka_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/connectors/kafka/kafkatest"
)

// roundTrip creates a topic, writes records and reads them back with a
// consumer group, all through c: the admin, producer and consumer paths.
func roundTrip(t *testing.T, c *kafka.Cluster, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureTopics(ctx, 2, topic); err != nil {
		t.Fatal(err)
	}
	w := c.NewWriter(topic)
	defer w.Close()
	const n = 50
	msgs := make([]kafkago.Message, n)
	for i := range msgs {
		msgs[i] = kafkago.Message{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprint("v", i))}
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("producing: %v", err)
	}
	cons, err := c.NewConsumer(kafka.ConsumerConfig{Group: "g-" + topic, Topics: []string{topic}, FetchWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	seen := map[string]bool{}
	for len(seen) < n {
		ch, err := cons.Poll(ctx)
		if err != nil {
			t.Fatalf("consuming, %d of %d read: %v", len(seen), n, err)
		}
		for i := range ch.Len() {
			seen[string(ch.Value(i))] = true
		}
		cons.Release(ch)
	}
}

func startBroker(t *testing.T, opts embedded.Options) []string {
	t.Helper()
	b, err := embedded.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addrs()
}

func pingFails(t *testing.T, cfg kafka.Config, why string) error {
	t.Helper()
	c, err := kafka.NewCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = c.Ping(ctx)
	if err == nil {
		t.Fatalf("%s: Ping succeeded", why)
	}
	return err
}

func TestSASLSCRAM(t *testing.T) {
	for _, mech := range []string{"SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			addrs := startBroker(t, embedded.Options{Users: []embedded.User{{Mechanism: mech, Name: "oqim", Password: "s3cret"}}})
			c, err := kafka.NewCluster(kafka.Config{Brokers: addrs, SASL: kafka.SASLConfig{Mechanism: mech, Username: "oqim", Password: "s3cret"}})
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c, "scram")

			err = pingFails(t, kafka.Config{Brokers: addrs, SASL: kafka.SASLConfig{Mechanism: mech, Username: "oqim", Password: "wrong"}}, "wrong password")
			if !strings.Contains(err.Error(), `SASL login `+mech+` as "oqim"`) {
				t.Errorf("wrong password: %v does not name the SASL login", err)
			}
			pingFails(t, kafka.Config{Brokers: addrs}, "no SASL")
		})
	}
}

func TestTLS(t *testing.T) {
	pki := kafkatest.NewPKI(t)
	// The broker checks client certificates too, so the test covers the
	// CA, the client certificate and the key.
	addrs := startBroker(t, embedded.Options{TLS: &tls.Config{
		Certificates: []tls.Certificate{pki.Server}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pki.Pool}})
	good := kafka.Config{Brokers: addrs, TLS: kafka.TLSConfig{Enabled: true, CAFile: pki.CAFile, CertFile: pki.CertFile, KeyFile: pki.KeyFile}}
	c, err := kafka.NewCluster(good)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "tls")

	noCA := good
	noCA.TLS.CAFile = ""
	if err := pingFails(t, noCA, "broker certificate from an unknown CA"); !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unknown CA: %v, want a certificate error", err)
	}
	noCert := good
	noCert.TLS.CertFile, noCert.TLS.KeyFile = "", ""
	pingFails(t, noCert, "no client certificate")
	pingFails(t, kafka.Config{Brokers: addrs}, "plaintext to a TLS broker")
}

func TestSASLPlainOverTLS(t *testing.T) {
	pki := kafkatest.NewPKI(t)
	addrs := startBroker(t, embedded.Options{
		TLS:   &tls.Config{Certificates: []tls.Certificate{pki.Server}},
		Users: []embedded.User{{Mechanism: "PLAIN", Name: "oqim", Password: "s3cret"}},
	})
	cfg := kafka.Config{Brokers: addrs, TLS: kafka.TLSConfig{CAFile: pki.CAFile},
		SASL: kafka.SASLConfig{Mechanism: "PLAIN", Username: "oqim", Password: "s3cret"}}
	c, err := kafka.NewCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "plain")
	cfg.SASL.Password = "wrong"
	pingFails(t, cfg, "wrong password")
}

func TestConfigMistakesAreNamed(t *testing.T) {
	pki := kafkatest.NewPKI(t)
	for _, tc := range []struct {
		cfg  kafka.Config
		want string
	}{
		{kafka.Config{}, "no brokers"},
		{kafka.Config{Brokers: []string{"b:9092"}, SASL: kafka.SASLConfig{Mechanism: "GSSAPI", Username: "u"}}, "want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"},
		{kafka.Config{Brokers: []string{"b:9092"}, SASL: kafka.SASLConfig{Mechanism: "PLAIN"}}, "sasl.username"},
		{kafka.Config{Brokers: []string{"b:9092"}, SASL: kafka.SASLConfig{Username: "u", Password: "p"}}, "sasl.mechanism"},
		{kafka.Config{Brokers: []string{"b:9092"}, TLS: kafka.TLSConfig{CertFile: pki.CertFile}}, "go together"},
		{kafka.Config{Brokers: []string{"b:9092"}, TLS: kafka.TLSConfig{CAFile: pki.KeyFile}}, "no PEM certificate"},
		{kafka.Config{Brokers: []string{"b:9092"}, TLS: kafka.TLSConfig{CAFile: filepath.Join(t.TempDir(), "missing.pem")}}, "tls.ca_file"},
	} {
		if _, err := kafka.NewCluster(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
}

// Three embedded brokers look like a real three-broker cluster to
// clients: three brokers in the metadata, replication factor 3 on the
// topics oqim creates, leaders spread over the brokers; and the producer,
// admin and consumer-group paths work through any one bootstrap address.
func TestThreeBrokers(t *testing.T) {
	addrs := startBroker(t, embedded.Options{Brokers: 3, Topics: []string{"seeded"}, Partitions: 6})
	if len(addrs) != 3 {
		t.Fatalf("3 brokers listen on %v", addrs)
	}
	c := kafka.Plain(addrs[1])
	roundTrip(t, c, "created")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	md, err := (&kafkago.Client{Addr: kafkago.TCP(addrs[2])}).Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{"seeded", "created"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Brokers) != 3 {
		t.Fatalf("metadata names %d brokers, want 3: %v", len(md.Brokers), md.Brokers)
	}
	leaders := map[int]bool{}
	for _, tp := range md.Topics {
		if tp.Error != nil || len(tp.Partitions) == 0 {
			t.Fatalf("topic %s: %v, %d partitions", tp.Name, tp.Error, len(tp.Partitions))
		}
		for _, p := range tp.Partitions {
			if len(p.Replicas) != 3 {
				t.Errorf("%s/%d has %d replicas, want 3", tp.Name, p.ID, len(p.Replicas))
			}
			leaders[p.Leader.ID] = true
		}
	}
	if len(leaders) < 2 {
		t.Errorf("all 8 partitions are led by one broker (%v); leadership should spread", leaders)
	}
}

// Broker i of a fixed-port cluster listens on Port+i, and a taken port
// among them is named.
func TestBrokersPorts(t *testing.T) {
	// Other programs come and go on loopback ports: retry until the two
	// ports below the one held here were free when the brokers tried them.
	for try := 0; try < 20; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		taken := l.Addr().(*net.TCPAddr).Port
		_, err = embedded.Start(embedded.Options{Brokers: 3, Port: taken - 2})
		l.Close()
		var inUse *embedded.PortInUseError
		if !errors.As(err, &inUse) {
			t.Fatalf("port %d taken, brokers from %d: %v", taken, taken-2, err)
		}
		if inUse.Port == taken {
			return
		}
	}
	t.Fatal("never found two free ports below a taken one")
}
