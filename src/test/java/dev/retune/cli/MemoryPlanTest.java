package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import dev.retune.Log;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.train.MemoryFit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code plan}'s memory estimate and {@code --fit}, and the estimate against a measured run. */
class MemoryPlanTest {

    private static Path dir;
    private static Path config;

    @BeforeAll
    static void files() throws IOException {
        dir = Files.createTempDirectory("retune-memory-plan");
        config = TrainCommandTest.tinyConfig(dir);
    }

    /**
     * Real steps of the tiny model in a fresh JVM (bench memory's row): the peak resident memory less the process's
     * own before the model, against the estimate of the same step; the JVM and libraries are not part of either.
     */
    @Test
    void theEstimateIsWithinTenPercentOfAMeasuredTinyRun() {
        CliRun run = CliRun.of("bench", "memory", "--preset", "tiny", "--method", "full", "--precision", "fp32", "--seconds", "4", "--batch", "32");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        String[] row = run.out().lines().filter(line -> line.startsWith("| tiny |")).findFirst().orElseThrow().split("\\|");
        double measured = megabytes(row[6]);
        double estimate = megabytes(row[7]);
        assertTrue(measured > 200, "the step's own memory is hundreds of MB, far above the noise: " + measured);
        assertTrue(Math.abs(estimate - measured) <= 0.10 * measured, "estimate " + estimate + " MB against measured " + measured + " MB");
    }

    @Test
    void planPrintsThePeakWithItsMainTerms() {
        CliRun cpu = CliRun.of("plan", config.toString(), "--set", "device.kind=cpu");
        CliRun auto = CliRun.of("plan", config.toString(), "--set", "device.kind=auto");

        assertEquals(ExitCode.OK, cpu.exitCode(), cpu.err());
        assertTrue(cpu.out().contains("Memory of a training step (micro-batch 2, 1.0 s segments, fp32"), cpu.out());
        assertTrue(cpu.out().matches("(?s).*on CPU: host peak \\d+ MB \\(process baseline \\d+ MB\\): weights \\d+ MB, gradients .*"), cpu.out());
        assertFalse(cpu.out().contains("on CUDA"), "a CPU config has no device estimate: " + cpu.out());
        assertTrue(auto.out().contains("on CPU: host peak") && auto.out().contains("on CUDA: device peak"), "auto may be either: " + auto.out());
    }

    @Test
    void fitPrintsTheSetLinesAndWritesACompleteConfig() throws IOException {
        RetuneConfig eight = ConfigLoader.load(config, List.of("data.batch_size=8"));
        long limit = (MemoryFit.estimate(eight, "cpu").peak() + MemoryFit.estimate(ConfigLoader.load(config, List.of("data.batch_size=4")), "cpu").peak()) / 2;
        Path out = dir.resolve("fitted.yaml");

        CliRun run = CliRun.of("plan", config.toString(), "--set", "data.batch_size=8", "--set", "device.kind=cpu", "--fit", limit + "B",
                "--out", out.toString());

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        List<String> sets = run.out().lines().filter(line -> line.startsWith("--set ")).toList();
        assertEquals(List.of("--set data.batch_size=4", "--set train.grad_accum=2"), sets, run.out());
        assertTrue(run.out().contains("the effective batch stays 8 segments per step"), run.out());
        RetuneConfig written = ConfigLoader.load(out, List.of());
        assertEquals(4, written.data().batchSize());
        assertEquals(2, written.train().gradAccum());
        assertEquals(eight.optim(), written.optim());
        try (var listing = Files.list(dir)) {
            assertTrue(listing.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary file left");
        }
    }

    @Test
    void fitInJsonCarriesTheChoice() {
        CliRun run = CliRun.of("plan", config.toString(), "--set", "device.kind=cpu", "--fit", "64GB", "--json");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        JsonNode json = JsonMapper.shared().readTree(run.out());
        assertEquals(64_000_000_000L, json.get("fit").get("limit").asLong());
        assertEquals(0, json.get("fit").get("sets").size(), "it fits as it is");
        JsonNode memory = json.get("plan").get("memory").get(0);
        assertEquals("cpu", memory.get("device").asString());
        assertEquals(memory.get("host_peak").asLong(), json.get("fit").get("estimate").get("host_peak").asLong());
    }

    @Test
    void trainWarnsBeforeLoadingWeightsWhenTheStepWouldNotFit() {
        List<String> messages = new ArrayList<>();
        CliRun run;
        try (Log.Route route = Log.routeTo(messages::add)) {
            // A micro-batch of a million segments: terabytes, far beyond this machine; the run itself then refuses it.
            run = CliRun.of("train", config.toString(), "--set", "data.batch_size=1000000", "--out", dir.resolve("too-big").toString());
        }

        // The first message of the command: before the run loads (or creates) the model.
        assertTrue(messages.get(0).startsWith("warning: the estimated peak memory of a training step, "), messages.toString());
        assertTrue(messages.get(0).contains("exceeds the host's available memory (MemAvailable)"), messages.get(0));
        assertEquals(1, messages.stream().filter(m -> m.contains("estimated peak")).count(), "one line: " + messages);
        assertEquals(ExitCode.BAD_INPUT, run.exitCode(), run.err());
    }

    @Test
    void trainFitAppliesTheChoiceBeforeTraining() throws IOException {
        RetuneConfig four = ConfigLoader.load(config, List.of("data.batch_size=4", "device.kind=cpu"));
        long limit = (MemoryFit.estimate(four, "cpu").peak() + MemoryFit.estimate(ConfigLoader.withOverrides(four, List.of("data.batch_size=2")), "cpu").peak()) / 2;
        Path runDir = dir.resolve("fitted-run");
        List<String> messages = new ArrayList<>();
        CliRun run;
        try (Log.Route route = Log.routeTo(messages::add)) {
            run = CliRun.of("train", config.toString(), "--set", "data.batch_size=4", "--set", "device.kind=cpu", "--set", "train.max_steps=1",
                    "--fit", limit + "B", "--out", runDir.toString());
        }

        assertEquals(ExitCode.OK, run.exitCode(), run.err() + messages);
        RetuneConfig trained = ConfigLoader.load(runDir.resolve("config.yaml"), List.of());
        assertEquals(2, trained.data().batchSize());
        assertEquals(2, trained.train().gradAccum());
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("fit (--fit " + limit + "B): data.batch_size 4 -> 2")), messages.toString());
    }

    @Test
    void sizesTakeDecimalAndBinaryUnits() {
        CommandLine line = Main.commandLine();
        assertEquals(12_000_000_000L, FitOption.parse("12GB", line));
        assertEquals(512L << 20, FitOption.parse("512MiB", line));
        assertEquals(1_500_000_000_000L, FitOption.parse("1.5 tb", line));
        assertEquals(3L << 30, FitOption.parse("3gib", line));
        assertEquals(100, FitOption.parse("100B", line));
        for (String bad : List.of("12", "GB", "-1GB", "12 GBs", "auto-ish", "0.1B")) {
            CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> FitOption.parse(bad, line), bad);
            assertTrue(e.getMessage().startsWith("--fit"), e.getMessage());
        }
    }

    private static double megabytes(String cell) {
        return Double.parseDouble(cell.trim().replace(" MB", ""));
    }
}
