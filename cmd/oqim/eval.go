package main

import (
	"encoding/json"
	"errors"

	"github.com/spf13/cobra"

	"github.com/oqim/oqim/inference/diagnosis/eval"
)

func (a *app) evalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Measure the assistants on labelled cases",
	}
	var (
		patients      string
		limit, folds  int
		maxQuestions  int
		workers       int
		asJSON, quiet bool
	)
	diag := &cobra.Command{
		Use:   "diagnosis --patients FILE",
		Short: "Score the diagnostic assistant on DDXPlus-layout patients (full and interactive protocols)",
		Long: `eval diagnosis reads a CSV in the DDXPlus layout (AGE, DIFFERENTIAL_DIAGNOSIS,
SEX, PATHOLOGY, EVIDENCES, INITIAL_EVIDENCE) and runs two protocols:
  full         every evidence of the patient is given;
  interactive  start from INITIAL_EVIDENCE with age and sex, answer each
               question from the record, stop when the engine says so or
               after --max-questions.
It reports top-1 (GTPA@1), top-3 and top-5 accuracy, the mean number of
questions, the expected calibration error and per-patient latency.
--folds K adds K-fold cross-validated figures that refit the model's
statistics on the other folds of the same file.`,
		Example: `  oqim eval diagnosis --patients dev_patients.csv
  oqim eval diagnosis --patients dev_patients.csv --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if patients == "" {
				return &usageError{errors.New("--patients FILE is required: a CSV in the DDXPlus layout")}
			}
			opts := eval.Options{Patients: patients, Limit: limit, MaxQuestions: maxQuestions, Workers: workers, Folds: folds}
			if !quiet {
				opts.Progress = a.stderr
			}
			rep, err := eval.Run(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				return enc.Encode(rep)
			}
			return rep.WriteText(a.stdout)
		},
	}
	diag.Flags().StringVar(&patients, "patients", "", "CSV file of patients in the DDXPlus layout (required)")
	diag.Flags().IntVar(&limit, "limit", 0, "score only the first N patients (0: all)")
	diag.Flags().IntVar(&maxQuestions, "max-questions", 30, "cap on questions in the interactive protocol")
	diag.Flags().IntVar(&workers, "workers", 0, "patients scored in parallel (0: one per CPU)")
	diag.Flags().IntVar(&folds, "folds", 0, "also report K-fold cross-validated figures (0: off)")
	diag.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	diag.Flags().BoolVar(&quiet, "quiet", false, "no progress on stderr")
	cmd.AddCommand(diag)
	return cmd
}
