package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// Writer is what producers need of a Kafka writer: *kafkago.Writer, as
// Cluster.NewWriter returns it, satisfies it; tests pass their own.
// WriteMessages must return only once the brokers have the messages, so
// that a caller may acknowledge or commit after it.
type Writer interface {
	WriteMessages(ctx context.Context, msgs ...kafkago.Message) error
}

// Config is how every Oqim client reaches the cluster: the kafka.* section
// of oqim's configuration.
type Config struct {
	// Brokers are the bootstrap addresses, host:port.
	Brokers []string
	// ClientID names Oqim in the brokers' logs and quotas; default "oqim".
	ClientID string
	TLS      TLSConfig
	SASL     SASLConfig
}

// TLSConfig encrypts connections to the brokers.
type TLSConfig struct {
	// Enabled turns TLS on; the CA and certificate settings imply it.
	Enabled bool
	// CAFile is a PEM bundle of the CAs that sign the brokers'
	// certificates; empty trusts the system's roots.
	CAFile string
	// CertFile and KeyFile are the client's PEM certificate and key, for
	// brokers that authenticate clients by certificate (mutual TLS).
	CertFile, KeyFile string
	// ServerName overrides the name checked in the brokers' certificates;
	// empty checks each broker's host name.
	ServerName string
	// InsecureSkipVerify accepts any broker certificate. It is for a test
	// cluster only: anyone on the path could read and change the stream.
	InsecureSkipVerify bool
}

// SASLConfig authenticates Oqim to the brokers.
type SASLConfig struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; empty turns SASL
	// off. PLAIN sends the password as is: use it only over TLS.
	Mechanism          string
	Username, Password string
}

// Cluster is a checked Config, ready to build clients: the TLS files are
// read and the SASL mechanism prepared once, and every producer, consumer
// and admin request made from it shares them. It is safe for concurrent
// use.
type Cluster struct {
	brokers   []string
	dialer    *kafkago.Dialer
	transport *kafkago.Transport
	// sasl names the mechanism and user, for errors; empty without SASL.
	sasl string
}

// NewCluster checks cfg, reading the TLS files it names. It does not
// contact the brokers (see Ping).
func NewCluster(cfg Config) (*Cluster, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("kafka: no brokers configured")
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "oqim"
	}
	tlsCfg, err := cfg.TLS.load()
	if err != nil {
		return nil, err
	}
	mech, err := cfg.SASL.mechanism()
	if err != nil {
		return nil, err
	}
	var saslName string
	if mech != nil {
		saslName = fmt.Sprintf("%s as %q", strings.ToUpper(cfg.SASL.Mechanism), cfg.SASL.Username)
	}
	return &Cluster{
		sasl:    saslName,
		brokers: slices.Clone(cfg.Brokers),
		dialer: &kafkago.Dialer{
			ClientID: cfg.ClientID, Timeout: 10 * time.Second, DualStack: true,
			TLS: tlsCfg, SASLMechanism: mech,
		},
		transport: &kafkago.Transport{
			ClientID: cfg.ClientID, DialTimeout: 10 * time.Second,
			TLS: tlsCfg, SASL: mech,
		},
	}, nil
}

// Plain is a Cluster of brokers reached without TLS or SASL, as the
// embedded broker is.
func Plain(brokers ...string) *Cluster {
	c, err := NewCluster(Config{Brokers: brokers})
	if err != nil {
		// Only an empty broker list fails without TLS or SASL files; a
		// Cluster that fails on use says so better than a nil one.
		return &Cluster{dialer: &kafkago.Dialer{}, transport: &kafkago.Transport{}}
	}
	return c
}

// Brokers are the bootstrap addresses.
func (c *Cluster) Brokers() []string { return slices.Clone(c.brokers) }

// Dialer connects to single brokers, for kafka-go APIs that take one.
func (c *Cluster) Dialer() *kafkago.Dialer { return c.dialer }

func (t TLSConfig) load() (*tls.Config, error) {
	if !t.Enabled && t.CAFile == "" && t.CertFile == "" && t.KeyFile == "" && !t.InsecureSkipVerify {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: tls.ca_file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka: tls.ca_file %s holds no PEM certificate", t.CAFile)
		}
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("kafka: tls.cert_file and tls.key_file go together")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: tls client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func (s SASLConfig) mechanism() (sasl.Mechanism, error) {
	if s.Mechanism == "" {
		if s.Username != "" || s.Password != "" {
			return nil, errors.New("kafka: sasl.username is set but not sasl.mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)")
		}
		return nil, nil
	}
	if s.Username == "" {
		return nil, fmt.Errorf("kafka: sasl.mechanism %s needs sasl.username and sasl.password", s.Mechanism)
	}
	switch strings.ToUpper(s.Mechanism) {
	case "PLAIN":
		return plain.Mechanism{Username: s.Username, Password: s.Password}, nil
	case "SCRAM-SHA-256":
		return scram.Mechanism(scram.SHA256, s.Username, s.Password)
	case "SCRAM-SHA-512":
		return scram.Mechanism(scram.SHA512, s.Username, s.Password)
	}
	return nil, fmt.Errorf("kafka: sasl.mechanism %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", s.Mechanism)
}

// NewWriter returns a synchronous producer for topic: WriteMessages
// returns only once every replica has the batch, which is what lets the
// pipeline commit offsets after the DLQ write and the generator count what
// it sent. An empty topic lets each message name its own.
func (c *Cluster) NewWriter(topic string) *kafkago.Writer {
	return &kafkago.Writer{
		Addr:         kafkago.TCP(c.brokers...),
		Topic:        topic,
		Transport:    c.transport,
		Balancer:     &kafkago.Hash{},
		RequiredAcks: kafkago.RequireAll,
		BatchSize:    10000,
		// Kafka rejects a record batch above message.max.bytes (1 MB by
		// default, kfake included), and kafka-go sends one batch per request.
		BatchBytes:             1000000,
		BatchTimeout:           5 * time.Millisecond,
		AllowAutoTopicCreation: true,
	}
}

func (c *Cluster) client(timeout time.Duration) *kafkago.Client {
	return &kafkago.Client{Addr: kafkago.TCP(c.brokers...), Transport: c.transport, Timeout: timeout}
}

// EnsureTopics creates the topics that do not exist yet; existing topics
// are left as they are.
func (c *Cluster) EnsureTopics(ctx context.Context, partitions int, topics ...string) error {
	if len(c.brokers) == 0 {
		return errors.New("kafka: no brokers configured")
	}
	req := &kafkago.CreateTopicsRequest{}
	seen := map[string]bool{}
	for _, t := range topics {
		// A name twice in one request makes the broker refuse all of it.
		if seen[t] {
			continue
		}
		seen[t] = true
		req.Topics = append(req.Topics, kafkago.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: -1})
	}
	resp, err := c.client(10*time.Second).CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("kafka: creating topics at %v: %w%s", c.brokers, err, c.authHint(err))
	}
	for t, terr := range resp.Errors {
		if terr != nil && !errors.Is(terr, kafkago.TopicAlreadyExists) {
			return fmt.Errorf("kafka: creating topic %q: %w", t, terr)
		}
	}
	return nil
}

// Ping checks that a broker answers a metadata request, after the TLS
// handshake and SASL authentication.
func (c *Cluster) Ping(ctx context.Context) error {
	if len(c.brokers) == 0 {
		return errors.New("kafka: no brokers configured")
	}
	if _, err := c.client(5*time.Second).Metadata(ctx, &kafkago.MetadataRequest{}); err != nil {
		return fmt.Errorf("kafka: brokers %v: %w%s", c.brokers, err, c.authHint(err))
	}
	return nil
}

// authHint names the SASL login when err is what a refused one looks like
// to kafka-go: brokers that close the connection after a failed
// authentication surface as an unexpected EOF, or as "broker not
// available" from the admin client, not as an authentication error.
func (c *Cluster) authHint(err error) string {
	if c.sasl == "" || !(errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, kafkago.BrokerNotAvailable)) {
		return ""
	}
	return fmt.Sprintf(" (the brokers may have refused the SASL login %s: check kafka.sasl.mechanism, username and password)", c.sasl)
}

// IsUnreachable reports whether err means no broker could be reached.
func IsUnreachable(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

// Member is one member of a consumer group and the partitions of a topic
// it owns.
type Member struct {
	ID, ClientID string
	Partitions   []int
}

// GroupMembers describes group as its coordinator sees it: the members
// and which partitions of topic each owns. It errors while the group is
// rebalancing or unknown.
func (c *Cluster) GroupMembers(ctx context.Context, group, topic string) ([]Member, error) {
	resp, err := c.client(5*time.Second).DescribeGroups(ctx, &kafkago.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		return nil, fmt.Errorf("kafka: describing group %s: %w", group, err)
	}
	if len(resp.Groups) != 1 {
		return nil, fmt.Errorf("kafka: describing group %s: %d groups in the answer", group, len(resp.Groups))
	}
	g := resp.Groups[0]
	if g.Error != nil {
		return nil, fmt.Errorf("kafka: group %s: %w", group, g.Error)
	}
	var out []Member
	for _, m := range g.Members {
		mb := Member{ID: m.MemberID, ClientID: m.ClientID}
		for _, tp := range m.MemberAssignments.Topics {
			if tp.Topic == topic {
				mb.Partitions = append(mb.Partitions, tp.Partitions...)
			}
		}
		out = append(out, mb)
	}
	return out, nil
}
