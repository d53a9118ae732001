package dev.retune.cli;

import picocli.CommandLine.Command;

/** {@code retune evaluate}: objective scores of models and audio with the model's own codec and LM, no downloads. */
@Command(name = "evaluate",
        description = {"Score models and audio objectively, with the model's own codec and LM (no downloads).",
            "Each verb prints a Markdown table (or JSON with --json) and, with --out DIR, writes a report folder:",
            "summary.md, summary.json, a CSV per clip and PNG plots. Definitions: docs/evaluation.md."},
        mixinStandardHelpOptions = true,
        subcommands = {EvaluateAudioCommand.class, EvaluateFitCommand.class, EvaluateDistanceCommand.class, EvaluateAlignCommand.class,
            EvaluateCompareCommand.class},
        footer = {"", "Examples:",
            "  retune evaluate fit --source base=models/tiny --source demo=runs/demo",
            "  retune evaluate audio base=out/base adapted=out/adapted --out reports/audio",
            "  retune evaluate distance out/adapted --reference datasets/demo --codec models/tiny",
            "  retune evaluate align --source runs/demo out/adapted",
            "  retune evaluate compare --base models/tiny --adapted runs/demo --prompts prompts.txt --out reports/effect"})
final class EvaluateCommand {
}
