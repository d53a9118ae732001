package dev.retune.data;

/**
 * What a file holds, as found by decoding it end to end: codec, native rate and channels, the duration the container
 * declares and the duration actually decoded, and the decode errors met on the way.
 */
public record AudioInfo(String codec, int sampleRate, int channels, double declaredSeconds, double decodedSeconds,
                        int decodeErrors, String firstDecodeError) {

    /** Shorter than declared by more than 2% (and 50 ms): the file was cut off, as a partial download is. */
    public boolean truncated() {
        return !Double.isNaN(declaredSeconds)
                && decodedSeconds < declaredSeconds - Math.max(0.05, 0.02 * declaredSeconds);
    }
}
