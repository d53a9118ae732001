package dev.retune.generate;

/**
 * A second source and its share, as {@code --blend SOURCE:WEIGHT} and {@code --mix SOURCE:FACTOR} write it: SOURCE in
 * {@link ModelLocation#parse}'s syntax, the number after the last ':' its weight ({@link Weighted}).
 *
 * @param source where the model comes from
 * @param weight its weight, in [0, 1]
 */
public record WeightedSource(ModelLocation source, double weight) {

    public WeightedSource {
        if (!(weight >= 0 && weight <= 1)) {
            throw new InvalidRequestException("the weight must lie in [0, 1], found " + weight);
        }
    }

    /** {@code text} as {@code option} takes it; every problem is an {@link InvalidRequestException} naming the option. */
    public static WeightedSource parse(String option, String text) {
        Weighted weighted = Weighted.parse(option, text, null);
        if (weighted.weight() > 1) {
            throw new InvalidRequestException(option + " " + text + ": the weight must lie in [0, 1], found " + weighted.weight());
        }
        try {
            return new WeightedSource(ModelLocation.parse(weighted.target()), weighted.weight());
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(option + " " + text + ": " + e.getMessage());
        }
    }

    /** The source spec as the sidecar records it: {@code PATH[@CHECKPOINT][+ADAPTER[:W]...]:WEIGHT}. */
    public String describe() {
        String spec = source.run() != null ? source.run() + checkpoint(source.checkpoint())
                : source.folder() + source.describeAdapters().stream().map(adapter -> "+" + adapter).reduce("", String::concat);
        return spec + ":" + Weighted.format(weight);
    }

    private static String checkpoint(CheckpointChoice choice) {
        return switch (choice.rule()) {
            case BEST_OR_LATEST -> "";
            case BEST -> "@best";
            case LATEST -> "@latest";
            case STEP -> "@" + choice.step();
        };
    }
}
