// Package embedded runs an in-process Kafka-protocol broker (franz-go's
// kfake) so the demo and the tests need no Kafka installation. Production
// uses a real cluster; clients cannot tell the difference on the wire.
package embedded

import (
	"cmp"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Options configure the broker.
type Options struct {
	// Port to listen on at 127.0.0.1; 0 picks a free one. With several
	// brokers, broker i listens on Port+i (or on a free port each when
	// Port is 0).
	Port int
	// Brokers is the number of brokers in the cluster (default 1). With
	// three or more, every topic has replication factor 3, and partition
	// leadership is spread over the brokers, so clients see the metadata,
	// leaders and coordinators of a real three-broker cluster.
	Brokers int
	// Topics are created up front with Partitions each.
	Topics     []string
	Partitions int32
	// DataDir, when set, keeps topics and committed offsets across
	// restarts; otherwise everything lives in memory.
	DataDir string
	// Users, when set, turn SASL on: clients must authenticate as one of
	// them. They are superusers, so no ACLs apply.
	Users []User
	// TLS, when set, serves TLS only, with its certificates (and its
	// ClientAuth, for brokers that check client certificates).
	TLS *tls.Config
	// MaxMessageBytes, when set, is the broker's message.max.bytes: the
	// largest record batch it accepts (default about 1 MB).
	MaxMessageBytes int
}

// User is a SASL user of the embedded broker.
type User struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
	Mechanism, Name, Password string
}

// Broker is a running embedded broker.
type Broker struct {
	cluster *kfake.Cluster
}

// PortInUseError reports a port that another program already holds.
type PortInUseError struct{ Port int }

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("embedded Kafka port %d is already in use by another program", e.Port)
}

// Start listens and returns once the broker accepts connections.
func Start(opts Options) (*Broker, error) {
	// A setting of zero or less takes its default.
	opts.Partitions = cmp.Or(max(opts.Partitions, 0), 1)
	opts.Brokers = cmp.Or(max(opts.Brokers, 0), 1)
	ports := make([]int, opts.Brokers)
	for i := range ports {
		if opts.Port == 0 {
			continue
		}
		ports[i] = opts.Port + i
		// kfake would report a bare bind error; check first so the caller
		// can say which setting to change.
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(ports[i]))
		if err != nil {
			return nil, &PortInUseError{Port: ports[i]}
		}
		l.Close()
	}
	kopts := []kfake.Opt{
		kfake.NumBrokers(opts.Brokers),
		kfake.Ports(ports...),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(int(opts.Partitions)),
	}
	if len(opts.Topics) > 0 {
		kopts = append(kopts, kfake.SeedTopics(opts.Partitions, opts.Topics...))
	}
	if opts.DataDir != "" {
		kopts = append(kopts, kfake.DataDir(opts.DataDir))
	}
	if len(opts.Users) > 0 {
		kopts = append(kopts, kfake.EnableSASL())
		for _, u := range opts.Users {
			kopts = append(kopts, kfake.Superuser(u.Mechanism, u.Name, u.Password))
		}
	}
	if opts.TLS != nil {
		kopts = append(kopts, kfake.TLS(opts.TLS))
	}
	if opts.MaxMessageBytes > 0 {
		kopts = append(kopts, kfake.BrokerConfigs(map[string]string{"message.max.bytes": strconv.Itoa(opts.MaxMessageBytes)}))
	}
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka: %w", err)
	}
	return &Broker{cluster: c}, nil
}

// Addrs are the bootstrap addresses to give clients, one per broker.
func (b *Broker) Addrs() []string { return b.cluster.ListenAddrs() }

// Close stops the broker, flushing persisted state.
func (b *Broker) Close() { b.cluster.Close() }
