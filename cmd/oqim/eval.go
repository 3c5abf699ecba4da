package main

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oqim/oqim/connectors/llm"
	chatbotEval "github.com/oqim/oqim/inference/chatbot/eval"
	"github.com/oqim/oqim/inference/clinical/diagnosis/eval"
	"github.com/oqim/oqim/inference/clinical/notes"
	notesEval "github.com/oqim/oqim/inference/clinical/notes/eval"
)

func (a *app) evalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Measure the assistants on labelled cases",
	}
	var (
		patients             string
		limit, folds         int
		repeats              int
		seed                 uint64
		maxQuestions         int
		workers              int
		asJSON, quiet        bool
		nested, grid, priors string
		nestedRepeats        int
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
statistics on the other folds of the same file; --repeats N adds their mean
and spread over N random partitions drawn from --seed.
--nested OUTERxINNER adds nested cross-validation: in each outer fold the
engine settings are chosen from --grid by an inner cross-validation on the
outer training part only (full top-1, then log-loss), the statistics are
refitted there, and the outer fold is scored; it reports the outer figures,
the setting chosen per fold and the same choice made on all the patients.
--grid lists settings separated by ";", each "default" or key=value pairs
separated by "," (smoothing, value_smoothing, off_list, temperature,
set_weight, stop_probability, min_gain); the default grid is
"` + gridSpec(eval.DefaultGrid()) + `".`,
		Example: `  oqim eval diagnosis --patients dev_patients.csv
  oqim eval diagnosis --patients dev_patients.csv --json
  oqim eval diagnosis --patients dev_patients.csv --priors uz
  oqim eval diagnosis --patients dev_patients.csv --folds 5 --repeats 10 --seed 1
  oqim eval diagnosis --patients dev_patients.csv --nested 5x4 --nested-repeats 2 --seed 1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if patients == "" {
				return &usageError{errors.New("--patients FILE is required: a CSV in the DDXPlus layout")}
			}
			opts := eval.Options{Patients: patients, Limit: limit, MaxQuestions: maxQuestions, Workers: workers, Folds: folds, Repeats: repeats, Seed: seed, Priors: priors}
			if nested != "" {
				outer, inner, err := eval.ParseNested(nested)
				if err != nil {
					return &usageError{err}
				}
				opts.Nested = eval.Nested{Outer: outer, Inner: inner, Repeats: nestedRepeats}
				if grid != "" {
					if opts.Nested.Grid, err = eval.ParseGrid(grid); err != nil {
						return &usageError{err}
					}
				}
			} else if grid != "" || nestedRepeats != 1 {
				return &usageError{errors.New("--grid and --nested-repeats need --nested OUTERxINNER")}
			}
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
	diag.Flags().IntVar(&repeats, "repeats", 0, "with --folds, also report the mean and spread over N random partitions (0: off)")
	diag.Flags().Uint64Var(&seed, "seed", 1, "seed of the random partitions of --repeats")
	diag.Flags().StringVar(&nested, "nested", "", "also run nested cross-validation with OUTERxINNER folds, such as 5x4 (empty: off)")
	diag.Flags().StringVar(&grid, "grid", "", "with --nested, the engine settings to choose from (empty: the default grid)")
	diag.Flags().IntVar(&nestedRepeats, "nested-repeats", 1, "with --nested, the number of random outer partitions, drawn from --seed")
	diag.Flags().StringVar(&priors, "priors", "ddxplus", `prior table: "ddxplus" (DDXPlus's own) or "uz" (Uzbekistan: models/ddxplus/priors_uz.json)`)
	diag.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	diag.Flags().BoolVar(&quiet, "quiet", false, "no progress on stderr")
	cmd.AddCommand(diag, a.evalDiagnosisTextCmd(), a.evalNotesCmd(), a.evalChatbotCmd())
	return cmd
}

func (a *app) evalNotesCmd() *cobra.Command {
	var (
		cases   string
		asJSON  bool
		details bool
		useLLM  bool
	)
	c := &cobra.Command{
		Use:   "notes --cases FILE",
		Short: "Score clinical-note structuring: precision and recall per field",
		Long: `eval notes reads JSONL cases, one per line, with "transcript", "language" and
"expected" (the schema is in inference/clinical/notes/README.md), structures each
transcript and reports precision and recall per field, micro-averaged.
The offline engine is used unless --llm is given and llm.* is configured.`,
		Example: `  oqim eval notes --cases inference/clinical/notes/eval/testdata/holdout.jsonl
  oqim eval notes --cases my-cases.jsonl --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cases == "" {
				return &usageError{errors.New("--cases FILE is required: JSONL with transcript, language and expected")}
			}
			opts := notesEval.Options{CasesPath: cases, Details: details}
			if useLLM {
				cfg, _, err := a.config("text")
				if err != nil {
					return err
				}
				lc, err := cfg.LLM.Client()
				if err != nil {
					return err
				}
				if lc == nil {
					return llm.ErrNotConfigured
				}
				opts.Engine = notes.NewStructurer(lc, nil)
			}
			rep, err := notesEval.Run(cmd.Context(), opts)
			if err != nil {
				return err
			}
			return a.report(asJSON, rep)
		},
	}
	c.Flags().StringVar(&cases, "cases", "", "JSONL file of cases (required)")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	c.Flags().BoolVar(&details, "details", false, "list every mismatch (quotes engine output; not for real patients' notes)")
	c.Flags().BoolVar(&useLLM, "llm", false, "use the LLM engine configured by llm.* instead of the offline one")
	return c
}

func (a *app) evalChatbotCmd() *cobra.Command {
	var (
		questions string
		asJSON    bool
	)
	c := &cobra.Command{
		Use:   "chatbot --questions FILE",
		Short: "Score the chatbot: top-1 and top-3, wrong answers and handoffs on citizen questions",
		Long: `eval chatbot reads JSONL lines {"question": "...", "expected": ["annex4-12"]}
and reports top-1 and top-3 accuracy of retrieval over the portal knowledge
base, per language form too, and the bot's decisions: the share of
questions answered from a wrong entry, and for questions no entry covers
("expected": []) how often it offered an operator instead of answering
("want": "refuse" marks off-topic or adversarial text it should refuse).`,
		Example: `  oqim eval chatbot --questions inference/chatbot/testdata/questions_holdout.jsonl
  oqim eval chatbot --questions my-questions.jsonl --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if questions == "" {
				return &usageError{errors.New("--questions FILE is required: JSONL with question and expected")}
			}
			rep, err := chatbotEval.Run(cmd.Context(), chatbotEval.Options{Questions: questions})
			if err != nil {
				return err
			}
			return a.report(asJSON, rep)
		},
	}
	c.Flags().StringVar(&questions, "questions", "", "JSONL file of questions (required)")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func (a *app) evalDiagnosisTextCmd() *cobra.Command {
	var (
		cases   string
		asJSON  bool
		details bool
	)
	c := &cobra.Command{
		Use:   "diagnosis-text --cases FILE",
		Short: "Score the differential from doctors' free text: top-1/3/5 per language",
		Long: `eval diagnosis-text reads JSONL cases with "age", "sex", "language", "text" and
"pathology" (a DDXPlus condition name); other keys are ignored. Each text is
sent through the handler of POST /api/v1/diagnosis in lexicon text mode, as
oqim serve answers it, and the rank of the pathology is scored. When a case
has "evidences" (DDXPlus codes), the evidences read from the text are scored
against them too (precision and recall of present findings).`,
		Example: `  oqim eval diagnosis-text --cases inference/clinical/diagnosis/eval/testdata/text_cases.jsonl
  oqim eval diagnosis-text --cases summaries.jsonl --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cases == "" {
				return &usageError{errors.New("--cases FILE is required: JSONL with age, sex, language, text and pathology")}
			}
			rep, err := eval.RunText(cmd.Context(), eval.TextOptions{Cases: cases, Details: details})
			if err != nil {
				return err
			}
			return a.report(asJSON, rep)
		},
	}
	c.Flags().StringVar(&cases, "cases", "", "JSONL file of cases (required)")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	c.Flags().BoolVar(&details, "details", false, "list every case not ranked first or with evidence codes missed or read in excess")
	return c
}

// gridSpec writes a grid in the syntax of --grid.
func gridSpec(g []eval.Setting) string {
	names := make([]string, len(g))
	for i, s := range g {
		names[i] = s.Name
	}
	return strings.Join(names, "; ")
}
