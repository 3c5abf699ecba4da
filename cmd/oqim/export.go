package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/opendata"
)

func (a *app) exportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export aggregated data sets",
	}
	var (
		dir      string
		minCount int64
	)
	od := &cobra.Command{
		Use:   "opendata --dir DIR",
		Short: "Write anonymised KPI datasets as CSV and JSON, with metadata, for the national open-data portal",
		Long: `export opendata writes region-level KPI datasets for the last twelve months
as CSV and JSON into --dir, each with a metadata file: title in uz, ru and
en, description, licence, update frequency and a data dictionary. Rows
counting fewer than --min-count events are left out so that no small group
can be singled out. Reads clickhouse.dsn and clickhouse.database.`,
		Example: `  OQIM_CLICKHOUSE_DSN=clickhouse://127.0.0.1:19000/default oqim export opendata --dir out/opendata`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return &usageError{errors.New("--dir is required: the folder to write the datasets to")}
			}
			cfg, _, err := a.config("text")
			if err != nil {
				return err
			}
			if cfg.ClickHouse.DSN == "" {
				return errors.New("clickhouse.dsn is empty: set OQIM_CLICKHOUSE_DSN to the server holding the KPIs (the demo's is clickhouse://127.0.0.1:19000/default)")
			}
			conn, err := openClickHouse(cmd.Context(), cfg, cfg.ClickHouse.DSN)
			if err != nil {
				return err
			}
			defer conn.Close()
			metas, err := opendata.Export(cmd.Context(), kpi.NewStore(conn, cfg.ClickHouse.Database), dir, opendata.Options{MinCount: minCount})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DATASET\tTITLE")
			for _, m := range metas {
				fmt.Fprintf(tw, "%s\t%s\n", m.ID, m.Title.En)
			}
			fmt.Fprintf(tw, "\nwritten to %s\n", dir)
			return tw.Flush()
		},
	}
	od.Flags().StringVar(&dir, "dir", "", "folder to write the datasets to (required)")
	od.Flags().Int64Var(&minCount, "min-count", 10, "leave out rows counting fewer events than this")
	cmd.AddCommand(od)
	return cmd
}
