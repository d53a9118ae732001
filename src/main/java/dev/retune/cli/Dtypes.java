package dev.retune.cli;

import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine;

/** The dtype names accepted on the command line. */
final class Dtypes {

    private Dtypes() {}

    static ScalarType parse(CommandLine cli, String name) {
        return switch (name) {
            case "f32", "fp32", "float32" -> ScalarType.Float;
            case "f16", "fp16", "float16" -> ScalarType.Half;
            case "bf16", "bfloat16" -> ScalarType.BFloat16;
            default -> throw new CommandLine.ParameterException(cli, "unknown dtype '" + name + "'; use f32, f16 or bf16");
        };
    }
}
