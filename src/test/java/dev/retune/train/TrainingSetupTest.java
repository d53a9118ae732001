package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.retune.ProgressListener;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.model.DecoderConfig;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TinyTokenizer;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code retune plan} and a training run resolve a config the same way: for every shipped config, the groups,
 * learning rates, weight decays, stage starts and trainable counts the plan prints are the ones the trainer of a real
 * run receives.
 */
class TrainingSetupTest {

    private static final List<String> SHIPPED = List.of("configs/demo.yaml", "configs/full-finetune.yaml", "configs/lora-small.yaml",
            "configs/adapters.yaml", "configs/progressive-unfreeze.yaml", "configs/ulmfit.yaml");

    @TempDir
    static Path dir;

    private static Path model;
    private static Path dataset;

    /**
     * The shipped configs name musicgen-small's 24 layers (layer ranges like {@code layers[8:22]}): the tiny preset's
     * widths with 24 decoder layers keeps every group meaningful and a step fast.
     */
    @BeforeAll
    static void tinyModelWith24Layers() throws Exception {
        MusicgenConfig tiny = MusicgenConfig.preset("tiny");
        DecoderConfig d = tiny.decoder();
        DecoderConfig deep = new DecoderConfig(d.vocabSize(), d.maxPositionEmbeddings(), 24, d.ffnDim(), d.numAttentionHeads(),
                d.hiddenSize(), d.numCodebooks(), d.audioChannels(), d.dropout(), d.attentionDropout(), d.activationDropout(),
                d.activationFunction(), d.scaleEmbedding(), d.padTokenId(), d.bosTokenId());
        model = dir.resolve("tiny-24");
        Path tokenizer = dir.resolve("tokenizer.json");
        TinyTokenizer.write(tokenizer);
        torch.manual_seed(0);
        ModelFolder.save(new MusicgenForConditionalGeneration(MusicgenConfig.of(tiny.textEncoder(), tiny.audioEncoder(), deep)), model,
                ScalarType.Float, tokenizer);
        dataset = DemoSubset.copyTo(dir.resolve("data"));
    }

    @Test
    void planOfEveryShippedConfigEqualsWhatTheTrainerOfARealRunTrains() throws Exception {
        for (String file : SHIPPED) {
            RetuneConfig config = ConfigLoader.load(Path.of(file), List.of("model.path=" + model, "data.dataset=" + dataset,
                    "data.segment_seconds=2", "data.batch_size=2", "data.cache_dir=" + dir.resolve("cache"), "precision.mode=fp32",
                    "device.kind=cpu"));
            Plan plan = Plan.of(config);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<TrainingSetup> trainer = new AtomicReference<>();
            new TrainRun(config, dir.resolve("run-" + Path.of(file).getFileName())).run(new TrainRun.Output(true, new StringWriter(),
                    ProgressListener.NONE, null, setup -> {
                        trainer.set(setup);
                        stop.set(true); // one step is enough: the setup is what is compared
                    }), stop);

            TrainingSetup setup = trainer.get();
            assertNotNull(setup, file);
            Plan.Stage all = plan.stages().get(plan.stages().size() - 1); // the last stage has every group open
            List<String> planned = new ArrayList<>();
            all.groups().forEach(g -> planned.add(g.name() + " " + g.params() + " lr " + g.lr() + " wd " + g.weightDecay()));
            List<String> trained = new ArrayList<>();
            setup.groups().forEach(g -> trained.add(g.name() + " " + g.count() + " lr " + config.optim().lr() * g.lrScale() + " wd " + g.weightDecay()));
            assertFalse(trained.isEmpty(), file);
            assertEquals(trained, planned, file);
            assertEquals(setup.trainable().values().stream().mapToLong(t -> t.numel()).sum(), all.trainableParams(), file);
            assertEquals(config.adapt().method().value(), plan.method(), file);
            for (int s = 0; s < plan.stages().size(); s++) {
                Plan.Stage stage = plan.stages().get(s);
                if (stage.startEpoch() == null && setup.unfreezing().enabled()) {
                    assertEquals(setup.unfreezing().stages().get(s).start(), stage.start(), file + " stage " + stage.name());
                }
            }
        }
    }
}
