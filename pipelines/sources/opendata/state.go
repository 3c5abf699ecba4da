package opendata

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// State is what the poller remembers about the last version it emitted,
// so that a restart asks the server conditionally and recognises content
// it has already seen.
type State struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// ContentSHA256 is the hex SHA-256 of the last emitted body.
	ContentSHA256 string `json:"content_sha256,omitempty"`
	// EventID is the id of the last emitted event.
	EventID string `json:"event_id,omitempty"`
	Rows    int64  `json:"rows"`
	// Pending is the event of a version being sent: saved before the
	// first write to Kafka and cleared once Kafka has acknowledged the
	// version. A version sent again after a crash or a failed write is
	// then the same event (id, type and time), which the pipeline
	// deduplicates; built afresh, a version without Last-Modified would
	// carry a new time and count twice.
	Pending *Pending `json:"pending,omitempty"`
}

// Pending is a version whose event may or may not have reached Kafka.
type Pending struct {
	ContentSHA256 string `json:"content_sha256"`
	Event         Event  `json:"event"`
}

// loadState reads the state file; a missing file is an empty state.
func loadState(path string) (State, error) {
	var s State
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("opendata: reading state: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("opendata: state file %s: %w", path, err)
	}
	return s, nil
}

// saveState replaces the state file atomically: a crash leaves either the
// old or the new state, never a torn file.
func saveState(path string, s State) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("opendata: encoding state: %w", err)
	}
	f, err := tempBeside(path)
	if err != nil {
		return fmt.Errorf("opendata: writing state: %w", err)
	}
	defer os.Remove(f.Name()) // no-op after the rename
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("opendata: writing state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("opendata: writing state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("opendata: writing state: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("opendata: writing state: %w", err)
	}
	return nil
}

// checkWritable makes the temporary file saveState would, and removes it.
func checkWritable(path string) error {
	if path == "" {
		return nil
	}
	f, err := tempBeside(path)
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// tempBeside creates path's directory and a temporary file in it, which a
// rename then makes path.
func tempBeside(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
}
