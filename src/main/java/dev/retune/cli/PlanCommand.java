package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.data.AtomicFile;
import dev.retune.train.MemoryEstimate;
import dev.retune.train.MemoryFit;
import dev.retune.train.Plan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
            "and learning rates, optimizer-state bytes and checkpoint (adapter) size, and the estimated peak memory",
            "of a training step (host; and the GPU's when device.kind is cuda or auto) with its main terms.",
            "With --fit, chooses settings that fit a memory limit (in the order of docs/memory.md) and prints them as",
            "--set lines (and with --out a complete config file)."},
        footer = {"", "Examples:",
            "  retune plan configs/lora-small.yaml",
            "  retune plan configs/demo.yaml --set adapt.method=lora --json",
            "  retune plan configs/full-finetune.yaml --fit 12GB --out configs/full-12gb.yaml",
            "  retune plan configs/full-finetune.yaml --fit auto",
            "", "Exit codes:",
            "  0  planned (and with --fit, a choice fits)",
            "  2  a bad option (e.g. --fit without a unit)",
            "  3  bad config, or --fit: nothing fits (the message gives the smallest estimate and the limit)"})
final class PlanCommand implements Callable<Integer> {

    @Parameters(paramLabel = "CONFIG", description = "The training config.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--json", description = "Print JSON on stdout.")
    boolean json;

    @CommandLine.Mixin
    FitOption fit = new FitOption();

    @Option(names = "--out", paramLabel = "FILE", description = "With --fit: write the complete resolved config there (atomically).")
    Path outFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (outFile != null && !fit.given()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--out writes the config --fit chooses: give --fit too");
        }
        RetuneConfig resolved = ConfigLoader.load(config, overrides);
        Plan plan = Plan.of(resolved);
        MemoryFit.Choice choice = null;
        FitOption.Limit limit = null;
        if (fit.given()) {
            limit = fit.limit(resolved, spec.commandLine());
            choice = MemoryFit.choose(resolved, limit.bytes(), limit.device(), limit.bf16());
            if (outFile != null) {
                AtomicFile.writeString(outFile, ConfigLoader.toYaml(choice.config()));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> fitted = new LinkedHashMap<>();
            if (choice != null) {
                fitted.put("limit", limit.bytes());
                fitted.put("device", limit.device());
                fitted.put("source", limit.source());
                fitted.put("sets", choice.sets());
                fitted.put("changes", choice.changes());
                fitted.put("estimate", choice.estimate());
            }
            out.println(Json.of(choice == null ? plan : Map.of("plan", plan, "fit", fitted)));
        } else {
            printPlan(out, plan, resolved);
            if (choice != null) {
                printFit(out, choice, limit);
            }
        }
        out.flush();
        return ExitCode.OK;
    }

    private static void printPlan(PrintWriter out, Plan plan, RetuneConfig config) {
        out.printf("Method %s; model %,d parameters (LM, text encoder and codec)%n", plan.method(), plan.totalParameters());
        for (Plan.Stage stage : plan.stages()) {
            out.printf("Stage %s from %s: %,d trainable (%.2f%%), optimizer state %.1f MB, checkpoint %.1f MB%n",
                    stage.name(), stage.startEpoch() != null ? "epoch " + stage.startEpoch() : "step " + stage.start(),
                    stage.trainableParams(), 100.0 * stage.trainableParams() / stage.totalParams(),
                    stage.optimizerStateBytes() / 1e6, stage.checkpointBytes() / 1e6);
            stage.groups().forEach(g -> out.printf("  group %-9s %,14d params  lr %.2e  weight decay %s%n", g.name(), g.params(), g.lr(), g.weightDecay()));
        }
        out.printf(Locale.ROOT, "Memory of a training step (micro-batch %d, %s s segments, %s; prompts of %d T5 tokens assumed):%n",
                config.data().batchSize(), config.data().segmentSeconds(), config.precision().mode().value(), Plan.TEXT_TOKENS);
        for (MemoryEstimate estimate : plan.memory()) {
            out.printf("  on %s: %s%n", estimate.device().equals("cuda") ? "CUDA" : "CPU", estimate.summary());
        }
    }

    private static void printFit(PrintWriter out, MemoryFit.Choice choice, FitOption.Limit limit) {
        out.printf("Fit to %s on %s (%s):%n", MemoryFit.size(limit.bytes()), limit.device().equals("cuda") ? "the GPU" : "the host", limit.source());
        choice.changes().forEach(change -> out.println("  " + change));
        if (!choice.sets().isEmpty()) {
            out.println("Resolved choice:");
            choice.sets().forEach(set -> out.println("--set " + set));
        }
    }
}
