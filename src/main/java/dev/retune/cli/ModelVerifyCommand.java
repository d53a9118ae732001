package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.model.ModelFolder;
import dev.retune.model.ModelVerifier;
import dev.retune.model.Safetensors;
import dev.retune.model.TensorSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code retune model verify DIR --reference FILE}: numerical parity with a reference implementation's outputs. */
@Command(name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Check numerical parity with a reference implementation's outputs.",
            "Runs every computation whose inputs the reference file holds (text encoder, codec, decoder, loss,",
            "delay pattern, positions) in fp32 on CPU and compare every output it holds: integer tensors exactly,",
            "float tensors within the tolerance. Any mismatch, or a tensor that cannot be checked, fails."},
        footer = {"", "Examples:",
            "  retune model verify src/test/resources/fixtures/musicgen-tiny-ref \\",
            "      --reference src/test/resources/fixtures/musicgen-tiny-ref/reference.safetensors",
            "", "Exit codes: 0 every tensor matches; 5 a mismatch, an unchecked tensor or nothing to compare;",
            "3 unreadable input (a bad config, weights or reference tensor)."})
final class ModelVerifyCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "Model folder.")
    Path dir;

    @Option(names = "--reference", required = true, paramLabel = "FILE", description = "safetensors file of reference inputs and outputs.")
    Path reference;

    @Option(names = "--tolerance", description = "Max absolute error for float tensors (default: ${DEFAULT-VALUE}).")
    double tolerance = 1e-4;

    @Option(names = "--json", description = "Print JSON on stdout.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ModelFolder.Loaded loaded = ModelFolder.load(dir, ScalarType.Float, new Device("cpu"));
        ModelVerifier.Report report;
        try (TensorSource source = Safetensors.open(reference)) {
            report = new ModelVerifier(loaded.model(), tolerance).verify(source);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("passed", report.passed());
            result.put("tolerance", tolerance);
            result.put("checks", report.checks());
            result.put("unchecked", report.unchecked());
            result.put("unexpected_checkpoint_keys", loaded.unexpectedKeys());
            out.println(Json.of(result));
        } else {
            out.printf("%-28s %-20s %-6s %12s%n", "tensor", "stage", "kind", "max |error|");
            for (ModelVerifier.Check c : report.checks()) {
                out.printf("%-28s %-20s %-6s %12.3e  %s%n", c.tensor(), c.stage(), c.exact() ? "exact" : "float", c.maxAbsError(),
                        c.passed() ? "ok" : c.problem() == null ? "MISMATCH" : "MISMATCH: " + c.problem());
            }
            report.unchecked().forEach((name, why) -> out.printf("%-28s not checked: %s%n", name, why));
            if (!loaded.unexpectedKeys().isEmpty()) {
                out.println("checkpoint keys no parameter used: " + loaded.unexpectedKeys());
            }
            out.println(report.passed() ? "PASSED (tolerance " + tolerance + ")" : "FAILED");
        }
        out.flush();
        if (report.checks().isEmpty()) {
            spec.commandLine().getErr().println("error: nothing was compared: " + reference
                    + " holds no output of a known computation together with that computation's inputs");
            spec.commandLine().getErr().flush();
        }
        return report.passed() ? ExitCode.OK : ExitCode.VERIFY_FAILED;
    }
}
