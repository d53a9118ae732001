package dev.retune.bench;

import picocli.CommandLine.Command;

/** {@code retune bench}: measurements that go into docs/benchmarks.md. */
@Command(name = "bench",
        description = "Benchmarks; each prints a Markdown table for docs/benchmarks.md.",
        mixinStandardHelpOptions = true,
        subcommands = {DecodeBenchCommand.class, BenchModelCommand.class, BenchLoadCommand.class, BenchTrainCommand.class,
            BenchGenerateCommand.class, BenchKernelsCommand.class, BenchCodecCommand.class,
            BenchPrepareCommand.class, BenchEvaluateCommand.class, BenchMemoryCommand.class, BenchGpuCommand.class},
        footer = {"", "Examples:", "  retune bench decode", "  retune bench decode --minutes 2 --crops 100", "  retune bench model --preset small",
            "  retune bench codec"})
public final class BenchCommand {
}
