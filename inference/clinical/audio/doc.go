// Package audio turns uploaded recordings into what speech recognisers want:
// 16 kHz mono float32 samples, cut at pauses into chunks of at most 30 s.
//
// It has three steps, usable on their own:
//
//   - [Decode] and [DecodeForASR] sniff the container from the first bytes
//     (never the file name) and decode WAV (8/16/24/32-bit integer PCM and
//     32-bit float, including WAVE_FORMAT_EXTENSIBLE) and MP3, downmixing
//     stereo to mono. Anything else fails with an [*UnsupportedFormatError];
//     inputs over the configured [Limits] fail with a [*TooLargeError].
//   - [Resampler] converts sample rates with a polyphase windowed-sinc
//     (Kaiser) low-pass filter, so content above the new Nyquist frequency is
//     removed instead of folding back into the speech band.
//   - [VAD] finds pauses with an energy detector and plans chunks no longer
//     than its MaxChunk.
//
// MP3 is decoded by github.com/hajimehoshi/go-mp3: it is pure Go (CI needs no
// cgo), maintained, fuzzed, and handles MPEG-1/2/2.5 layer III, which covers
// what phones and dictaphones export. Ogg/Opus and M4A are not accepted yet:
// no maintained pure-Go decoder for full Opus (CELT and SILK) or AAC exists.
package audio
