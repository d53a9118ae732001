package dev.retune.train;

import dev.retune.config.AdaptConfig;
import dev.retune.config.ConfigException;
import dev.retune.config.ConfigLoader;
import dev.retune.config.PrecisionConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.model.MusicgenConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --fit}: the settings under which a config's training step fits a memory limit, by {@link MemoryEstimate}.
 * Candidates are tried in a fixed order of preference, and the first that fits is chosen:
 *
 * <ol>
 *   <li>the config as it is;</li>
 *   <li>a smaller micro-batch ({@code data.batch_size}, each divisor of it from the largest down), with
 *       {@code train.grad_accum} raised by the same factor, so the effective batch (segments per optimizer step) stays
 *       the same: only a micro-batch's activations are alive at once;</li>
 *   <li>bf16 autocast instead of fp32, when the device runs it (CPU, or a GPU of compute capability 8.0 or newer),
 *       again from the full micro-batch down;</li>
 *   <li>a lighter method, each with the steps above: full fine-tuning falls back to LoRA of rank 16, then of rank 4,
 *       then to partial (the heads and the final norm); LoRA of a rank above 4 falls back to rank 4;</li>
 *   <li>only as a last resort, a shorter segment: {@code data.segment_seconds} halved, down to 1 s, each time with
 *       all of the above.</li>
 * </ol>
 */
public final class MemoryFit {

    /** The shortest segment the last resort goes down to. */
    static final double SHORTEST_SEGMENT = 1.0;

    /**
     * A fitting choice.
     *
     * @param sets     the {@code --set} lines that turn the config into the choice (empty: it fits as it is)
     * @param changes  what changed and why, one line each
     * @param config   the resolved config with {@code sets} applied
     * @param estimate the choice's estimate
     * @param asIs     the estimate of the config as it was
     */
    public record Choice(List<String> sets, List<String> changes, RetuneConfig config, MemoryEstimate estimate, MemoryEstimate asIs) {}

    private record Candidate(List<String> sets, List<String> changes) {}

    private final RetuneConfig config;
    private final String device;
    private final MusicgenConfig architecture;
    private final Map<String, MemoryEstimate.Counts> counts = new HashMap<>();

    private MemoryFit(RetuneConfig config, String device) {
        this.config = config;
        this.device = device;
        this.architecture = Plan.modelConfig(config.model());
    }

    /**
     * The first candidate, in the order of preference, whose peak on {@code device} ("cpu" or "cuda") is at most
     * {@code limit} bytes.
     *
     * @param bf16 whether the device runs bf16 autocast
     * @throws ConfigException when none fits, naming the smallest estimate and the limit
     */
    public static Choice choose(RetuneConfig config, long limit, String device, boolean bf16) {
        return new MemoryFit(config, device).choose(limit, bf16);
    }

    /** The estimate of {@code config} as it is on {@code device}, with prompts of {@link Plan#TEXT_TOKENS} tokens. */
    public static MemoryEstimate estimate(RetuneConfig config, String device) {
        return new MemoryFit(config, device).estimate(config);
    }

    private Choice choose(long limit, boolean bf16) {
        MemoryEstimate asIs = estimate(config);
        MemoryEstimate smallest = asIs;
        for (Candidate candidate : candidates(bf16)) {
            RetuneConfig resolved;
            try {
                resolved = ConfigLoader.withOverrides(config, candidate.sets());
            } catch (ConfigException e) {
                continue; // a fallback this config cannot take (e.g. a segment the model's positions refuse)
            }
            MemoryEstimate estimate = estimate(resolved);
            if (estimate.peak() <= limit) {
                List<String> changes = new ArrayList<>(candidate.changes());
                changes.add(0, candidate.sets().isEmpty()
                        ? String.format(Locale.ROOT, "fits as configured: estimated peak %s of %s", size(estimate.peak()), size(limit))
                        : String.format(Locale.ROOT, "as configured the estimated peak is %s, over %s; with these changes %s",
                        size(asIs.peak()), size(limit), size(estimate.peak())));
                return new Choice(candidate.sets(), changes, resolved, estimate, asIs);
            }
            if (estimate.peak() < smallest.peak()) {
                smallest = estimate;
            }
        }
        throw new ConfigException(String.format(Locale.ROOT, "--fit: nothing fits in %s on %s: the smallest estimate, with every fallback "
                + "(micro-batch 1, bf16, the lightest method, %.0f s segments), is %s", size(limit), device, SHORTEST_SEGMENT, size(smallest.peak())));
    }

    /** Every candidate in the order of preference (the class comment). */
    private List<Candidate> candidates(boolean bf16) {
        List<Candidate> all = new ArrayList<>();
        for (double seconds : segments()) {
            for (Candidate method : methods()) {
                for (String precision : precisions(bf16)) {
                    for (int batch : batches()) {
                        all.add(candidate(seconds, method, precision, batch));
                    }
                }
            }
        }
        return all;
    }

    /** Each candidate as --set lines and a sentence per change; nothing for what stays as configured. */
    private Candidate candidate(double seconds, Candidate method, String precision, int batch) {
        List<String> sets = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        int configured = config.data().batchSize();
        if (batch != configured) {
            int accum = config.train().gradAccum() * configured / batch;
            sets.add("data.batch_size=" + batch);
            sets.add("train.grad_accum=" + accum);
            changes.add(String.format(Locale.ROOT, "data.batch_size %d -> %d and train.grad_accum %d -> %d: the effective batch stays %d segments "
                    + "per step; only one micro-batch's activations are alive at once", configured, batch, config.train().gradAccum(), accum,
                    configured * config.train().gradAccum()));
        }
        if (!precision.equals(config.precision().mode().value())) {
            sets.add("precision.mode=" + precision);
            changes.add("precision.mode " + config.precision().mode().value() + " -> " + precision
                    + ": activations and logits in 16 bits (the fp32 weights stay; autocast adds their 16-bit copies)");
        }
        sets.addAll(method.sets());
        changes.addAll(method.changes());
        if (seconds != config.data().segmentSeconds()) {
            sets.add("data.segment_seconds=" + seconds);
            changes.add(String.format(Locale.ROOT, "data.segment_seconds %s -> %s: the last resort, shorter segments train on less context",
                    config.data().segmentSeconds(), seconds));
        }
        return new Candidate(sets, changes);
    }

    /** The configured micro-batch, then every smaller divisor of it: accumulation keeps the effective batch exact. */
    private List<Integer> batches() {
        int b = config.data().batchSize();
        List<Integer> batches = new ArrayList<>();
        for (int d = b; d >= 1; d--) {
            if (b % d == 0) {
                batches.add(d);
            }
        }
        return batches;
    }

    private List<String> precisions(boolean bf16) {
        PrecisionConfig.Mode mode = config.precision().mode();
        return mode == PrecisionConfig.Mode.FP32 && bf16 ? List.of("fp32", "bf16") : List.of(mode.value());
    }

    /** The configured method (no change), then its fallbacks, each as its --set lines with a sentence. */
    private List<Candidate> methods() {
        List<Candidate> methods = new ArrayList<>();
        methods.add(new Candidate(List.of(), List.of()));
        AdaptConfig.Method method = config.adapt().method();
        String why = ": the LM's weights stay frozen, without gradients or AdamW moments";
        if (method == AdaptConfig.Method.FULL) {
            for (int rank : new int[] {16, 4}) {
                methods.add(new Candidate(List.of("adapt.method=lora", "adapt.lora.r=" + rank),
                        List.of("adapt.method full -> lora of rank " + rank + why)));
            }
            methods.add(new Candidate(List.of("adapt.method=partial"), List.of("adapt.method full -> partial (the heads and the final norm train)" + why)));
        } else if (method == AdaptConfig.Method.LORA && config.adapt().lora().r() > 4) {
            methods.add(new Candidate(List.of("adapt.lora.r=4"),
                    List.of("adapt.lora.r " + config.adapt().lora().r() + " -> 4: fewer adapter weights and activations")));
        }
        return methods;
    }

    /** The configured length, then halved while at least {@link #SHORTEST_SEGMENT}. */
    private List<Double> segments() {
        List<Double> segments = new ArrayList<>();
        double seconds = config.data().segmentSeconds();
        segments.add(seconds);
        for (double s = seconds / 2; s >= SHORTEST_SEGMENT; s /= 2) {
            segments.add(s);
        }
        return segments;
    }

    private MemoryEstimate estimate(RetuneConfig candidate) {
        String key = candidate.adapt().method().value() + ":" + candidate.adapt().lora().r();
        MemoryEstimate.Counts c = counts.computeIfAbsent(key, k -> Plan.counts(candidate));
        return MemoryEstimate.of(candidate, architecture, c, TrainRun.segmentFrames(candidate, architecture), Plan.TEXT_TOKENS, device);
    }

    /** Bytes as "12.3 GB" (decimal units, as the limits are given). */
    public static String size(long bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9) : String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
    }
}
