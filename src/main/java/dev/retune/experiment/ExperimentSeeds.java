package dev.retune.experiment;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A sample's seed: the first 8 bytes (big-endian) of the SHA-256 of
 * {@code "retune-experiment\n" + seed + "\n" + source + "\n" + parameterSet + "\n" + prompt + "\n" + index}
 * (UTF-8), with the sign bit cleared. A paired parameter set hashes empty strings in place of the source and
 * parameter set. The seed depends on nothing else (not on the order, the batch, or the other samples), so adding a
 * source or a prompt leaves every other sample's seed, and its audio, as it was.
 */
final class ExperimentSeeds {

    private ExperimentSeeds() {}

    static long of(long seed, String source, String parameterSet, String prompt, int index) {
        String text = "retune-experiment\n" + seed + "\n" + source + "\n" + parameterSet + "\n" + prompt + "\n" + index;
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(hash, 0, Long.BYTES).getLong() & Long.MAX_VALUE;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
