package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.config.ConfigLoader;
import dev.retune.train.Plan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune plan CONFIG}: what a config trains, per stage, without training or weights. */
@Command(name = "plan",
        mixinStandardHelpOptions = true,
        description = {
            "Show what a config trains, without training or weights.",
            "Builds the model's shapes from config.json or the preset (no weights needed), applies the",
            "adaptation method as training would, and print per stage the trainable parameters, optimizer groups",
            "and learning rates, optimizer-state bytes and checkpoint (adapter) size."},
        footer = {"", "Examples:",
            "  retune plan configs/lora-small.yaml",
            "  retune plan configs/demo.yaml --set adapt.method=lora --json"})
final class PlanCommand implements Callable<Integer> {

    @Parameters(paramLabel = "CONFIG", description = "The training config.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--json", description = "Print JSON on stdout.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Plan plan = Plan.of(ConfigLoader.load(config, overrides));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.of(plan));
        } else {
            out.printf("Method %s; model %,d parameters (LM, text encoder and codec)%n", plan.method(), plan.totalParameters());
            for (Plan.Stage stage : plan.stages()) {
                out.printf("Stage %s from %s: %,d trainable (%.2f%%), optimizer state %.1f MB, checkpoint %.1f MB%n",
                        stage.name(), stage.startEpoch() != null ? "epoch " + stage.startEpoch() : "step " + stage.start(),
                        stage.trainableParams(), 100.0 * stage.trainableParams() / stage.totalParams(),
                        stage.optimizerStateBytes() / 1e6, stage.checkpointBytes() / 1e6);
                stage.groups().forEach(g -> out.printf("  group %-9s %,14d params  lr %.2e  weight decay %s%n", g.name(), g.params(), g.lr(), g.weightDecay()));
            }
        }
        out.flush();
        return ExitCode.OK;
    }
}
