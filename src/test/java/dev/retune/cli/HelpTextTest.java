package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/** Every verb's {@code --help} breaks lines only at spaces, stays within the width, and indents continuations. */
class HelpTextTest {

    private static List<CommandLine> everyCommand() {
        List<CommandLine> all = new ArrayList<>();
        List<CommandLine> open = new ArrayList<>(List.of(Main.commandLine()));
        while (!open.isEmpty()) {
            CommandLine cli = open.remove(0);
            all.add(cli);
            open.addAll(cli.getSubcommands().values());
        }
        return all;
    }

    @Test
    void noWordOfADescriptionOrFooterIsBrokenAndNoLineIsTooWide() {
        List<CommandLine> commands = everyCommand();
        assertTrue(commands.size() > 15, "the whole tree: " + commands.size());
        for (CommandLine cli : commands) {
            String help = cli.getUsageMessage();
            UsageMessageSpec usage = cli.getCommandSpec().usageMessage();
            Set<String> rendered = new HashSet<>(Arrays.asList(help.split("\\s+")));
            List<String> source = new ArrayList<>(List.of(usage.description()));
            source.addAll(List.of(usage.footer()));
            for (String line : source) {
                for (String word : line.replace("%n", " ").strip().split("\\s+")) {
                    assertTrue(word.isEmpty() || rendered.contains(word),
                            cli.getCommandSpec().qualifiedName() + ": '" + word + "' is broken across lines:\n" + help);
                }
            }
            for (String line : help.split("\n")) {
                assertTrue(line.length() <= usage.width() || !line.strip().contains(" "),
                        cli.getCommandSpec().qualifiedName() + ": a line of " + line.length() + " columns:\n" + line);
            }
        }
    }

    @Test
    void continuationsAreIndentedUnderTheTextTheyContinue() {
        StringBuilder out = new StringBuilder();

        HelpText.wrap("  130 / 143  interrupted by SIGINT / SIGTERM, and this row goes on for long enough to wrap twice over",
                40, "  130 / 143  ".length(), out);
        HelpText.wrap("  retune model verify models/x --reference src/test/resources/fixtures/musicgen-tiny-ref/reference.safetensors",
                40, 6, out);

        assertEquals(String.join("\n",
                "  130 / 143  interrupted by SIGINT /",
                "             SIGTERM, and this row goes",
                "             on for long enough to wrap",
                "             twice over",
                "  retune model verify models/x",
                "      --reference",
                "      src/test/resources/fixtures/musicgen-tiny-ref/reference.safetensors",
                ""), out.toString());
    }

    @Test
    void aUsageErrorIsTheMessageAndOneLinePointingToHelp() {
        CliRun run = CliRun.of("train", "configs/demo.yaml", "--nope");

        assertEquals(ExitCode.USAGE, run.exitCode());
        assertEquals(List.of("error: Unknown option: '--nope'", "Run 'retune train --help' for usage."), run.err().lines().toList());
    }
}
