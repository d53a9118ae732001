package dev.retune.data;

/**
 * How a dataset folder is turned into tracks.
 *
 * @param validFraction share of tracks held out for validation when metadata.csv has no {@code split} column
 * @param allowOutsidePaths accept audio paths that are absolute or lead out of the dataset folder
 */
public record DatasetOptions(double validFraction, boolean allowOutsidePaths) {

    public static final DatasetOptions DEFAULTS = new DatasetOptions(0.1, false);

    public DatasetOptions {
        // Written so that NaN fails too. 1 is excluded: it would leave nothing to train on.
        if (!(validFraction >= 0 && validFraction < 1)) {
            throw new IllegalArgumentException("data.valid_fraction must be in [0, 1), found " + validFraction);
        }
    }
}
