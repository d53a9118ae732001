package dev.retune.generate;

import dev.retune.Log;
import dev.retune.ProgressListener;
import dev.retune.config.DeviceConfig;
import dev.retune.data.AudioException;
import dev.retune.data.DatasetException;
import dev.retune.model.Devices;
import dev.retune.model.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Generation as a library call: a {@link GenerationRequest} → one audio file and JSON sidecar per prompt. This is what
 * {@code retune generate} runs; evaluation, experiments or a server call it from Java the same way.
 *
 * <p>What can be checked before the model loads is checked first (the audio to continue, every line of the prompts
 * file, the output place), so no generation is lost to a bad input found late. The prompts are then read and generated
 * {@code batchSize} at a time, each batch's files written before the next batch is read: memory does not grow with the
 * number of prompts. Messages (the checkpoint taken, damaged checkpoints skipped) go through {@link Log}.
 */
public final class Generation {

    /**
     * @param prompts prompts generated: all of them, or fewer when stopped
     * @param frames  new codec frames per prompt
     * @param seconds wall time spent generating tokens (without decoding and writing)
     */
    public record Summary(long prompts, int frames, double seconds) {

        public double framesPerSecond() {
            return prompts * frames / seconds;
        }
    }

    private Generation() {}

    /**
     * Runs {@code request}. Bad input is a {@link dev.retune.RetuneException} naming the file, or an
     * {@link InvalidRequestException} naming the option.
     *
     * @param written  handed each prompt's output, in prompt order, once its audio file and sidecar are complete
     * @param progress prompts done of all prompts (0 of n first, once the model is loaded)
     * @param stop     looked at before each batch: once set, no further batch starts and the summary counts the
     *                 prompts written
     */
    public static Summary run(GenerationRequest request, Consumer<GeneratedAudio> written, ProgressListener progress, AtomicBoolean stop) {
        long count = check(request);
        if (request.mix() != null) {
            return WaveformMix.run(request, count, written, progress, stop);
        }
        return generate(request, load(request.model(), request.device()), count, written, progress, stop);
    }

    /**
     * Runs {@code request} on a model already loaded, as {@link #run(GenerationRequest, Consumer, ProgressListener,
     * AtomicBoolean)} does: a caller that generates many requests from one source (the studio's job queue) loads it
     * once with {@link #load}. {@code model} must be the one {@code request.model()} names on {@code request.device()}.
     */
    public static Summary run(GenerationRequest request, ModelSource model, Consumer<GeneratedAudio> written, ProgressListener progress,
                              AtomicBoolean stop) {
        if (request.mix() != null) {
            throw new IllegalArgumentException("a --mix request loads its two sources itself: run it with run(request, written, progress, stop)");
        }
        return generate(request, model, check(request), written, progress, stop);
    }

    /** Checks what can be checked without the model; returns the number of prompts. */
    private static long check(GenerationRequest request) {
        checkContinued(request.continueFrom());
        long count = PromptReader.count(request.prompts(), request.promptFile()); // every line is checked before the model loads
        if (count == 0) {
            throw new DatasetException(request.promptFile() + " holds no prompts (blank lines and blank cells are skipped)");
        }
        request.output().prepare(count);
        return count;
    }

    private static Summary generate(GenerationRequest request, ModelSource model, long count, Consumer<GeneratedAudio> written,
                                    ProgressListener progress, AtomicBoolean stop) {
        int frames = frames(request.duration(), model);
        BatchGenerator.Settings settings = new BatchGenerator.Settings(frames, request.sampling(), request.seed(), request.batchSize());
        List<Generator.Blended> blends = new ArrayList<>();
        for (WeightedSource blend : request.blends()) {
            blends.add(new Generator.Blended(TokenBlend.compatible(model, load(blend.source(), request.device()), "--blend " + blend.describe()), blend.weight()));
        }
        try (TextTokenizer tokenizer = TextTokenizer.load(model.tokenizer());
             PromptReader prompts = PromptReader.open(request.prompts(), request.promptFile())) {
            BatchGenerator generator = new BatchGenerator(model, blends, tokenizer, settings, request.continueFrom(), sidecar(request, model, frames));
            progress.update(0, count);
            return generator.run(prompts, request.output()::pathOf, stop, audio -> {
                written.accept(audio);
                progress.update(audio.index() + 1, count);
            });
        }
    }

    private static void checkContinued(Path file) {
        if (file != null && !Files.isRegularFile(file)) {
            throw new AudioException(file, Files.exists(file) ? "not a regular file" : "no such file (given to --continue)");
        }
    }

    /** The model {@code location} names, on {@code device}, with the checkpoint taken from a run told through {@link Log}. */
    public static ModelSource load(ModelLocation location, DeviceConfig.Kind device) {
        ModelSource model = ModelSource.load(location, Devices.select(new DeviceConfig(device, null)));
        if (model.checkpoint() != null) {
            model.checkpoint().warnings().forEach(Log::warn);
            Log.info(model.checkpoint().describe(location.run()));
        }
        return model;
    }

    /** {@code duration} in the model's codec frames; it must give at least one. */
    private static int frames(double duration, ModelSource model) {
        double frameRate = model.model().config().audioEncoder().frameRate();
        long frames = Math.round(duration * frameRate);
        if (frames < 1) {
            throw new InvalidRequestException(String.format(Locale.ROOT, "--duration %s is shorter than one codec frame (%.4f s for this model)",
                    duration, 1 / frameRate));
        }
        return Math.toIntExact(frames);
    }

    private static Sidecar.Settings sidecar(GenerationRequest request, ModelSource model, int frames) {
        SamplerOptions sampling = request.sampling();
        return new Sidecar.Settings(model.identity(), model.checkpoint() == null ? null : model.checkpoint().step(), request.seed(),
                request.batchSize(), request.duration(), frames, sampling.topK(), sampling.topP(), sampling.temperature(),
                sampling.guidanceScale(), request.continueFrom() == null ? null : request.continueFrom().toString(),
                request.blends().stream().map(WeightedSource::describe).toList(), null);
    }
}
