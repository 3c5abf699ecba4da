package asr

// WhisperConfig configures the "whisper" engine (build tag "whisper").
type WhisperConfig struct {
	// ModelPath is a ggml model file for whisper.cpp (multilingual, as
	// Uzbek and Russian need; ggml-large-v3-turbo or ggml-medium for
	// quality, ggml-small on small CPUs). For now it is configured by hand;
	// the model registry in models/ will provide it.
	ModelPath string
	// Threads for inference; default: the number of CPUs.
	Threads int
}
