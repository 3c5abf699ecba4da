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
		dataDir    string
		topics     []string
	)
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run the embedded Kafka-protocol broker on its own, until Ctrl-C",
		Long: `broker runs the Kafka-protocol broker that oqim demo embeds, as a process of
its own: for local development against a broker that outlives oqim, and for
benchmarks that must not count the broker's memory as the pipeline's. It
prints "listening on HOST:PORT" once it accepts connections.`,
		Example: `  oqim broker --port 9092 --topic oqim.portal.applications
  OQIM_KAFKA_BROKERS=127.0.0.1:9092 oqim generate --backfill 1000 --rate 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := embedded.Start(embedded.Options{Port: port, Topics: topics, Partitions: int32(partitions), DataDir: dataDir})
			if err != nil {
				return explainPort(err)
			}
			defer b.Close()
			fmt.Fprintf(a.stdout, "listening on %s\n", strings.Join(b.Addrs(), ","))
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().IntVar(&port, "port", 19092, "port on 127.0.0.1 (0: a free one)")
	cmd.Flags().IntVar(&partitions, "partitions", 4, "partitions of --topic topics and auto-created ones")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "keep topics and offsets here across restarts (default: memory only)")
	cmd.Flags().StringSliceVar(&topics, "topic", nil, "topics to create up front (repeatable)")
	return cmd
}
