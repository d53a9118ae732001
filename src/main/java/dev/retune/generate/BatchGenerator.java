package dev.retune.generate;

import dev.retune.ProgressListener;
import dev.retune.model.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * A list of prompts → one audio file (and JSON sidecar) per prompt, generated batch by batch. At most one batch of
 * prompts is read ahead of the files written, and each batch's tensors are freed before the next one starts, so a
 * list of any length runs in the memory of one batch; within a batch the audio is decoded and written window by
 * window ({@link AudioOutput}), so a duration of any length runs in the memory of one window.
 *
 * <p>Batch b draws with seed + b·2³² (the windows of a long generation add their index to that), so batches differ
 * from each other while a single batch keeps the plain seed. A file is written atomically, audio first, then its
 * sidecar; a rerun replaces both.
 */
final class BatchGenerator {

    /**
     * @param frames    codec frames to generate per prompt (≥ 1)
     * @param sampler   how tokens are drawn
     * @param seed      fixes every random draw
     * @param batchSize prompts generated together (≥ 1)
     */
    record Settings(int frames, SamplerOptions sampler, long seed, int batchSize) {
        Settings {
            if (frames < 1) {
                throw new IllegalArgumentException("frames: expected ≥ 1, found " + frames);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size: expected ≥ 1, found " + batchSize);
            }
        }
    }

    private final ModelSource source;
    private final TextTokenizer tokenizer;
    private final Settings settings;
    private final Tensor continuation;
    private final Sidecar.Settings sidecar;
    private final List<Generator.Blended> blends;

    /**
     * @param continueFrom audio every output continues (null for none): the output is that audio plus the new frames
     * @param sidecar      what every sidecar says about the generation (settings, model identity)
     */
    BatchGenerator(ModelSource source, TextTokenizer tokenizer, Settings settings, Path continueFrom, Sidecar.Settings sidecar) {
        this(source, List.of(), tokenizer, settings, continueFrom, sidecar);
    }

    /** As above, with {@code blends} combined into the source's choices at every step ({@link TokenBlend}). */
    BatchGenerator(ModelSource source, List<Generator.Blended> blends, TextTokenizer tokenizer, Settings settings, Path continueFrom,
                   Sidecar.Settings sidecar) {
        this.blends = List.copyOf(blends);
        this.source = source;
        this.tokenizer = tokenizer;
        this.settings = settings;
        // The generator continues at most one window of the prompt: later frames are all that need keeping.
        this.continuation = continueFrom == null ? null
                : PromptAudio.codes(source.model().audio_encoder, continueFrom, Generator.window(source.model().config().decoder()));
        this.sidecar = sidecar;
    }

    /**
     * Generates every prompt, writes prompt i's audio to {@code files.apply(i)} and hands each file to {@code written}
     * once it and its sidecar are in place. {@code stop} is looked at before each batch and at every decoding step: a
     * batch stopped midway writes nothing (its unfinished files are removed), so a long generation ends at once.
     */
    Generation.Summary run(Iterator<String> prompts, LongFunction<Path> files, AtomicBoolean stop, Consumer<GeneratedAudio> written) {
        long index = 0;
        double seconds = 0;
        ProgressListener stepCheck = (done, total) -> {
            if (stop.get()) {
                throw new Stopped();
            }
        };
        try {
            for (long batch = 0; !stop.get() && prompts.hasNext(); batch++) {
                List<String> texts = new ArrayList<>(settings.batchSize());
                while (texts.size() < settings.batchSize() && prompts.hasNext()) {
                    texts.add(prompts.next());
                }
                seconds += generate(texts, index, settings.seed() + (batch << 32), files, stepCheck, written);
                index += texts.size();
            }
        } catch (Stopped stopped) {
            // The batch in progress was abandoned; the summary counts the prompts written before it.
        }
        return new Generation.Summary(index, settings.frames(), seconds);
    }

    /** Thrown from the decoding loop's per-step callback once a stop is requested; ends the batch in progress. */
    private static final class Stopped extends RuntimeException {

        Stopped() {
            super("generation stopped", null, false, false);
        }
    }

    /**
     * One batch, with every tensor it makes freed at the end; returns the seconds spent generating tokens. The codes go
     * to the files window by window as they are generated.
     */
    private double generate(List<String> texts, long first, long seed, LongFunction<Path> files, ProgressListener steps,
                            Consumer<GeneratedAudio> written) {
        try (PointerScope scope = new PointerScope()) {
            TextTokenizer.Batch text = tokenizer.encode(texts, TextTokenizer.MAX_PROMPT_TOKENS);
            Tensor prompt = continuation == null ? null : continuation.repeat(texts.size(), 1, 1); // [B, K, P]
            List<Path> paths = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                paths.add(files.apply(first + i));
            }
            double seconds;
            long samples;
            try (AudioOutput output = AudioOutput.open(source.model().audio_encoder, paths)) {
                seconds = Generator.generateWindowed(source.model(), blends, text.idsTensor(), text.maskTensor(), prompt,
                        settings.frames(), settings.sampler(), seed, steps, output::push);
                output.finish();
                samples = output.frames();
            }
            int sampleRate = source.model().config().audioEncoder().samplingRate();
            for (int i = 0; i < texts.size(); i++) {
                Sidecar described = Sidecar.of(paths.get(i), texts.get(i), sidecar, sampleRate, samples);
                described.writeNextTo(paths.get(i));
                written.accept(new GeneratedAudio(first + i, paths.get(i), described));
            }
            return seconds;
        }
    }
}
