package dev.retune.generate;

import dev.retune.ProgressListener;
import dev.retune.model.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
public final class BatchGenerator {

    /** Longest text prompt, in tokens; longer ones are truncated (MusicGen's T5 was trained on short captions). */

    /**
     * @param frames    codec frames to generate per prompt (≥ 1)
     * @param sampler   how tokens are drawn
     * @param seed      fixes every random draw
     * @param batchSize prompts generated together (≥ 1)
     */
    public record Settings(int frames, SamplerOptions sampler, long seed, int batchSize) {
        public Settings {
            if (frames < 1) {
                throw new IllegalArgumentException("frames: expected ≥ 1, found " + frames);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size: expected ≥ 1, found " + batchSize);
            }
        }
    }

    /** Told after each file is written. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param index   the prompt's place in the list (0-based)
         * @param seconds the length of the audio written
         */
        void written(long index, String prompt, Path file, double seconds);
    }

    /** @param seconds wall time spent generating tokens (without decoding and writing) */
    public record Result(long prompts, double seconds) {}

    private final ModelSource source;
    private final TextTokenizer tokenizer;
    private final Settings settings;
    private final Tensor continuation;
    private final Map<String, Object> sidecar;

    /**
     * @param continueFrom audio every output continues (null for none): the output is that audio plus the new frames
     * @param sidecar      fields written into every sidecar after the prompt (settings, model identity)
     */
    public BatchGenerator(ModelSource source, TextTokenizer tokenizer, Settings settings, Path continueFrom, Map<String, Object> sidecar) {
        this.source = source;
        this.tokenizer = tokenizer;
        this.settings = settings;
        // The generator continues at most one window of the prompt: later frames are all that need keeping.
        this.continuation = continueFrom == null ? null
                : PromptAudio.codes(source.model().audio_encoder, continueFrom, Generator.window(source.model().config().decoder()));
        this.sidecar = Map.copyOf(sidecar);
    }

    /** Generates every prompt and writes prompt i's audio to {@code files.apply(i)}. */
    public Result run(Iterator<String> prompts, LongFunction<Path> files, Listener listener) {
        long index = 0;
        double seconds = 0;
        for (long batch = 0; prompts.hasNext(); batch++) {
            List<String> texts = new ArrayList<>(settings.batchSize());
            while (texts.size() < settings.batchSize() && prompts.hasNext()) {
                texts.add(prompts.next());
            }
            seconds += generate(texts, index, settings.seed() + (batch << 32), files, listener);
            index += texts.size();
        }
        return new Result(index, seconds);
    }

    /**
     * One batch, with every tensor it makes freed at the end; returns the seconds spent generating tokens. The codes go
     * to the files window by window as they are generated.
     */
    private double generate(List<String> texts, long first, long seed, LongFunction<Path> files, Listener listener) {
        try (PointerScope scope = new PointerScope()) {
            TextTokenizer.Batch text = tokenizer.encode(texts, TextTokenizer.MAX_PROMPT_TOKENS);
            Tensor prompt = continuation == null ? null : continuation.repeat(texts.size(), 1, 1); // [B, K, P]
            List<Path> paths = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                paths.add(files.apply(first + i));
            }
            double seconds;
            long frames;
            try (AudioOutput output = AudioOutput.open(source.model().audio_encoder, paths)) {
                seconds = Generator.generateWindowed(source.model(), text.idsTensor(), text.maskTensor(), prompt,
                        settings.frames(), settings.sampler(), seed, ProgressListener.NONE, output::push);
                output.finish();
                frames = output.frames();
            }
            int sampleRate = source.model().config().audioEncoder().samplingRate();
            for (int i = 0; i < texts.size(); i++) {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("prompt", texts.get(i));
                fields.putAll(sidecar);
                AudioOutput.writeSidecar(paths.get(i), fields, sampleRate, frames);
                listener.written(first + i, texts.get(i), paths.get(i), (double) frames / sampleRate);
            }
            return seconds;
        }
    }
}
