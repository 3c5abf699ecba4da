package main

import (
	"context"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// `oqim broker --brokers 3` prints three addresses, each a broker of one
// cluster whose topics have replication factor 3.
func TestBrokerCommandRunsThreeBrokers(t *testing.T) {
	stdout, stderr := outputFile(t, "stdout"), outputFile(t, "stderr")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newRoot(stdout, stderr)
	root.SetArgs([]string{"broker", "--brokers", "3", "--port", "0", "--topic", "t3"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var addrs []string
	waitFor(t, 10*time.Second, func() bool {
		line, ok := strings.CutPrefix(strings.TrimSpace(contents(stdout)), "listening on ")
		if ok {
			addrs = strings.Split(line, ",")
		}
		return ok
	}, func() string { return "no address line: " + contents(stdout) + contents(stderr) })
	if len(addrs) != 3 {
		t.Fatalf("listening on %v, want 3 addresses", addrs)
	}
	for _, a := range addrs {
		md, err := (&kafkago.Client{Addr: kafkago.TCP(a), Timeout: 5 * time.Second}).Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{"t3"}})
		if err != nil {
			t.Fatalf("broker %s: %v", a, err)
		}
		if len(md.Brokers) != 3 || len(md.Topics) != 1 || len(md.Topics[0].Partitions) == 0 || len(md.Topics[0].Partitions[0].Replicas) != 3 {
			t.Errorf("broker %s: %d brokers, topics %+v", a, len(md.Brokers), md.Topics)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
