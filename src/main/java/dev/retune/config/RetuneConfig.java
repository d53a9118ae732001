package dev.retune.config;

/**
 * The whole run configuration, one record per YAML section. A missing section takes its defaults; every default lives
 * in the section record's compact constructor.
 */
public record RetuneConfig(DataConfig data) {

    public RetuneConfig {
        data = data == null ? new DataConfig(null, null, null, null, null, null, null, null, null) : data;
    }
}
