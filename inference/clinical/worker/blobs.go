package worker

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrBlobNotFound is returned for audio that is not (or no longer) stored.
var ErrBlobNotFound = errors.New("worker: audio not found")

// blobExt marks finished blobs; a crash mid-write leaves only a temporary
// file, which retention sweeps like any other.
const blobExt = ".audio"

// Blobs keeps uploaded recordings as files in one directory, named by job
// id, readable by the service's user only. Audio stays out of Kafka,
// whose messages are small and whose retention is not ours to set.
type Blobs struct {
	dir string
}

// NewBlobs creates dir if needed.
func NewBlobs(dir string) (*Blobs, error) {
	if dir == "" {
		return nil, errors.New("worker: no blob directory configured (blob_dir)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("worker: blob directory: %w", err)
	}
	return &Blobs{dir: dir}, nil
}

func (b *Blobs) path(id string) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("worker: invalid job id %q", id)
	}
	return filepath.Join(b.dir, id+blobExt), nil
}

// Put stores the audio of job id, atomically: a reader sees all of it or
// nothing.
func (b *Blobs) Put(id string, data []byte) error {
	p, err := b.path(id)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(b.dir, id+".*.tmp")
	if err != nil {
		return fmt.Errorf("worker: storing audio of %s: %w", id, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("worker: storing audio of %s: %w", id, err)
	}
	return nil
}

// Get returns the audio of job id, or an error matching [ErrBlobNotFound].
func (b *Blobs) Get(id string) ([]byte, error) {
	p, err := b.path(id)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: job %s", ErrBlobNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("worker: reading audio of %s: %w", id, err)
	}
	return data, nil
}

// Delete removes the audio of job id; a missing blob is not an error.
func (b *Blobs) Delete(id string) error {
	p, err := b.path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("worker: deleting audio of %s: %w", id, err)
	}
	return nil
}

// DeleteOlderThan removes every blob (and leftover temporary file) last
// written before cutoff and returns the job ids of the blobs removed.
func (b *Blobs) DeleteOlderThan(cutoff time.Time) ([]string, error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return nil, fmt.Errorf("worker: listing blobs: %w", err)
	}
	var deleted []string
	var errs []error
	for _, e := range entries {
		name := e.Name()
		isBlob := strings.HasSuffix(name, blobExt)
		if e.IsDir() || !(isBlob || strings.HasSuffix(name, ".tmp")) {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !info.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(b.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		if isBlob {
			deleted = append(deleted, strings.TrimSuffix(name, blobExt))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return deleted, fmt.Errorf("worker: retention: %w", err)
	}
	return deleted, nil
}
