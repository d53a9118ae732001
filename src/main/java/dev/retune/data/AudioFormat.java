package dev.retune.data;

/** What decoded audio is converted to: the model's sample rate and channel count (1 = mean downmix, 2 = stereo). */
public record AudioFormat(int sampleRate, int channels) {

    public static final AudioFormat MUSICGEN_MONO = new AudioFormat(32_000, 1);

    public AudioFormat {
        if (sampleRate < 1_000 || sampleRate > 384_000) {
            throw new IllegalArgumentException("sample_rate must be within 1000..384000 Hz, found " + sampleRate);
        }
        if (channels != 1 && channels != 2) {
            throw new IllegalArgumentException("channels must be 1 (mono) or 2 (stereo), found " + channels);
        }
    }
}
