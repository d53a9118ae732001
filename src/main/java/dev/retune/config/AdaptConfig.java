package dev.retune.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Section {@code adapt}: which weights are trained.
 *
 * @param method           how the model is adapted: {@code full} trains the language model (decoder and text
 *                         projection), {@code partial} the parameters {@code adapt.partial} names, {@code lora}
 *                         low-rank adapters on selected Linears ({@code adapt.lora}), {@code adapters} Houlsby
 *                         bottleneck adapters after selected residual branches ({@code adapt.adapters}); every other
 *                         weight stays frozen
 * @param trainTextEncoder also train the T5 text encoder (MusicGen keeps it frozen); with {@code full} only
 * @param lora             LoRA settings, used when method is {@code lora}
 * @param partial          which parameters train when method is {@code partial}
 * @param adapters         bottleneck adapter settings, used when method is {@code adapters}
 * @param unfreeze         progressive unfreezing: stages that open more of the method's trainable parameters over
 *                         time (empty = everything trains from the start)
 */
public record AdaptConfig(Method method, Boolean trainTextEncoder, LoraSection lora, PartialSection partial,
                          AdaptersSection adapters, UnfreezeSection unfreeze) {

    /** Adaptation methods; YAML values are the lowercase names. */
    public enum Method {
        FULL, LORA, PARTIAL, ADAPTERS;

        @JsonValue
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public AdaptConfig {
        method = method == null ? Method.FULL : method;
        trainTextEncoder = trainTextEncoder != null && trainTextEncoder;
        lora = lora == null ? LoraSection.defaults() : lora;
        partial = partial == null ? PartialSection.defaults() : partial;
        adapters = adapters == null ? AdaptersSection.defaults() : adapters;
        unfreeze = unfreeze == null ? new UnfreezeSection(null) : unfreeze;
    }

    public static AdaptConfig defaults() {
        return new AdaptConfig(null, null, null, null, null, null);
    }
}
