package dev.retune.config;

/**
 * Section {@code data}: where the dataset is, how audio is cut into training segments and how it is batched.
 *
 * @param dataset           dataset folder holding metadata.csv (relative to the working directory)
 * @param sampleRate        rate audio is resampled to; the codec's rate (32000 for MusicGen)
 * @param channels          1 = mean downmix (MusicGen mono), 2 = stereo
 * @param segmentSeconds    length of one training segment, at most {@value #MAX_SEGMENT_SECONDS} s
 * @param minSegmentRatio   a segment starts where at least this share of it is real audio (audiocraft's rule)
 * @param minSeconds        files shorter than this are skipped as too_short
 * @param validFraction     share of files held out for validation when the CSV has no split column
 * @param allowOutsidePaths accept absolute paths and paths leading out of the dataset folder
 * @param batchSize         segments per batch (per forward pass; see {@code train.grad_accum})
 * @param cacheDir          folder of cached codec tokens; null = the trainer picks {@code ~/.cache/retune/tokens}
 * @param useCache          read codec tokens from (and write them to) {@code cache_dir} instead of encoding the audio
 *                          at every epoch
 * @param encodeChunkSeconds audio the codec encodes per step while filling the cache, at most
 *                          {@value #MAX_ENCODE_CHUNK_SECONDS} s; null = sized to the codec and device (more is faster
 *                          up to a point and takes more memory, never the whole file)
 * @param encodeWorkers     files encoded at the same time while filling the cache; 0 = chosen from the codec, the
 *                          device and libtorch's threads
 * @param text              how metadata columns are merged into the description
 */
public record DataConfig(String dataset, Integer sampleRate, Integer channels, Double segmentSeconds,
                         Double minSegmentRatio, Double minSeconds, Double validFraction, Boolean allowOutsidePaths,
                         Integer batchSize, String cacheDir, Boolean useCache, Double encodeChunkSeconds,
                         Integer encodeWorkers, TextConfig text) {

    /**
     * A static sanity bound, far above any model's context (MusicGen: 30 s); the model's own limit is checked where the
     * model is known. Here seconds times the highest sample rate still fits an int count of samples.
     */
    public static final double MAX_SEGMENT_SECONDS = 3_600;

    /** Bounds of {@code encode_chunk_seconds}: shorter chunks mostly re-run the layers' overlap, longer defeat streaming. */
    public static final double MIN_ENCODE_CHUNK_SECONDS = 0.1;
    public static final double MAX_ENCODE_CHUNK_SECONDS = 600;
    public static final int MAX_ENCODE_WORKERS = 64;

    public DataConfig {
        sampleRate = sampleRate == null ? 32_000 : sampleRate;
        channels = channels == null ? 1 : channels;
        segmentSeconds = segmentSeconds == null ? 30.0 : segmentSeconds;
        minSegmentRatio = minSegmentRatio == null ? 0.5 : minSegmentRatio;
        minSeconds = minSeconds == null ? 1.0 : minSeconds;
        validFraction = validFraction == null ? 0.1 : validFraction;
        allowOutsidePaths = allowOutsidePaths != null && allowOutsidePaths;
        batchSize = batchSize == null ? 4 : batchSize;
        useCache = useCache == null || useCache;
        encodeWorkers = encodeWorkers == null ? 0 : encodeWorkers;
        text = text == null ? TextConfig.defaults() : text;

        Check.range("data.sample_rate", sampleRate, 1_000, 384_000);
        Check.range("data.channels", channels, 1, 2);
        Check.notBlank("data.dataset", dataset);
        Check.notBlank("data.cache_dir", cacheDir);
        Check.positive("data.segment_seconds", segmentSeconds);
        Check.atMost("data.segment_seconds", segmentSeconds, MAX_SEGMENT_SECONDS);
        Check.range("data.min_segment_ratio", minSegmentRatio, 0.0, 1.0);
        Check.atLeast("data.min_seconds", minSeconds, 0.0);
        Check.below("data.valid_fraction", validFraction, 0.0, 1.0);
        Check.atLeast("data.batch_size", batchSize, 1);
        if (encodeChunkSeconds != null) {
            Check.range("data.encode_chunk_seconds", encodeChunkSeconds, MIN_ENCODE_CHUNK_SECONDS, MAX_ENCODE_CHUNK_SECONDS);
        }
        Check.range("data.encode_workers", encodeWorkers, 0, MAX_ENCODE_WORKERS);
    }

    public static DataConfig defaults() {
        return new DataConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }
}
