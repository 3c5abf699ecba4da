package audio

import (
	"errors"
	"fmt"
	"time"
)

// SupportedFormats names what [Decode] accepts, for user-facing messages.
const SupportedFormats = "WAV (8, 16, 24 or 32-bit integer PCM, or 32-bit float; 8–48 kHz; mono or stereo) and MP3"

var (
	// ErrUnsupportedFormat is matched (errors.Is) by every
	// [*UnsupportedFormatError]. An HTTP layer maps it to 415.
	ErrUnsupportedFormat = errors.New("unsupported audio format")

	// ErrTooLarge is matched (errors.Is) by every [*TooLargeError]. An HTTP
	// layer maps it to 413.
	ErrTooLarge = errors.New("audio exceeds the configured limits")

	// ErrMalformed reports input that has a supported format's signature but
	// cannot be decoded: truncated headers, corrupt frames, no samples.
	ErrMalformed = errors.New("malformed audio")
)

// UnsupportedFormatError reports input that is not a supported format, or a
// supported container holding something this package does not decode.
type UnsupportedFormatError struct {
	// Detected describes what the bytes look like, such as "Ogg" or
	// "WAV with A-law samples"; empty when nothing was recognised.
	Detected string
}

func (e *UnsupportedFormatError) Error() string {
	got := e.Detected
	if got == "" {
		got = "unrecognised data"
	}
	return fmt.Sprintf("unsupported audio format (%s); supported formats are %s", got, SupportedFormats)
}

// Is makes errors.Is(err, ErrUnsupportedFormat) true.
func (e *UnsupportedFormatError) Is(target error) bool { return target == ErrUnsupportedFormat }

// TooLargeError reports input over one of the [Limits]. Exactly one of
// MaxBytes and MaxDuration is set: the limit that was exceeded.
type TooLargeError struct {
	MaxBytes    int64
	MaxDuration time.Duration
	// Duration is the declared length of the audio when the header gave it,
	// otherwise zero (decoding stopped as soon as the limit was passed).
	Duration time.Duration
}

func (e *TooLargeError) Error() string {
	if e.MaxBytes > 0 {
		return fmt.Sprintf("audio is larger than the %d-byte upload limit", e.MaxBytes)
	}
	if e.Duration > 0 {
		return fmt.Sprintf("audio is %s long, over the %s limit", e.Duration.Round(time.Second), e.MaxDuration)
	}
	return fmt.Sprintf("audio is longer than the %s limit", e.MaxDuration)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
