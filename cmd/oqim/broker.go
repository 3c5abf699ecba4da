package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oqim/oqim/connectors/kafka/embedded"
)

func (a *app) brokerCmd() *cobra.Command {
	var (
		port       int
		partitions int
		brokers    int
		dataDir    string
		topics     []string
	)
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run the embedded Kafka-protocol broker on its own, until Ctrl-C",
		Long: `broker runs the Kafka-protocol broker that oqim demo embeds, as a process of
its own: for local development against a broker that outlives oqim, and for
benchmarks that must not count the broker's memory as the pipeline's. It
prints "listening on HOST:PORT[,HOST:PORT...]" once it accepts connections.
With --brokers 3 it is a three-broker cluster: each broker listens on its
own port (--port, --port+1, --port+2), topics have replication factor 3
and partition leaders are spread over the brokers, so consumer-group
rebalances, leader lookups and bootstrap lists behave as on a real cluster.`,
		Example: `  oqim broker --port 9092 --topic oqim.portal.applications
  oqim broker --brokers 3 --port 9092     # listening on 127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094
  OQIM_KAFKA_BROKERS=127.0.0.1:9092 oqim generate --backfill 1000 --rate 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if brokers < 1 || brokers > 9 {
				return &usageError{fmt.Errorf("--brokers %d: want 1 to 9", brokers)}
			}
			b, err := embedded.Start(embedded.Options{Port: port, Brokers: brokers, Topics: topics, Partitions: int32(partitions), DataDir: dataDir})
			if err != nil {
				return explainPort(err)
			}
			defer b.Close()
			fmt.Fprintf(a.stdout, "listening on %s\n", strings.Join(b.Addrs(), ","))
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().IntVar(&port, "port", 19092, "port on 127.0.0.1 of the first broker, the next ones on the following ports (0: free ones)")
	cmd.Flags().IntVar(&brokers, "brokers", 1, "brokers in the cluster; 3 gives topics replication factor 3")
	cmd.Flags().IntVar(&partitions, "partitions", 4, "partitions of --topic topics and auto-created ones")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "keep topics and offsets here across restarts (default: memory only)")
	cmd.Flags().StringSliceVar(&topics, "topic", nil, "topics to create up front (repeatable)")
	return cmd
}
