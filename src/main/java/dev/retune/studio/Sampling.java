package dev.retune.studio;

import dev.retune.generate.GenerationRequest;
import dev.retune.generate.InvalidRequestException;
import dev.retune.generate.SamplerOptions;
import java.util.Map;

/**
 * What every clip of a generation job or comparison shares: its length and how tokens are drawn. Absent request fields
 * take {@code retune generate}'s defaults; an invalid value is a 400 naming the JSON field (the library's messages name
 * the command-line option, which is renamed here).
 *
 * @param duration      seconds of audio per clip
 * @param topK          keep the k most likely tokens (0: off)
 * @param topP          nucleus threshold (0: off)
 * @param temperature   0: greedy
 * @param guidanceScale classifier-free guidance (1: off)
 */
record Sampling(double duration, int topK, double topP, double temperature, double guidanceScale) {

    static final double DEFAULT_DURATION = 5;
    static final int DEFAULT_TOP_K = 250;
    static final double DEFAULT_TOP_P = 0;
    static final double DEFAULT_TEMPERATURE = 1;
    static final double DEFAULT_GUIDANCE_SCALE = 3;

    /** The library's option names → the request's fields. */
    private static final Map<String, String> FIELDS = Map.of("--duration", "duration", "--top-k", "top_k", "--top-p", "top_p",
            "--temperature", "temperature", "--cfg (guidance scale)", "guidance_scale", "--cfg", "guidance_scale");

    Sampling {
        if (!(duration > 0 && duration <= GenerationRequest.MAX_DURATION)) {
            throw StudioException.badRequest("duration must be more than 0 and at most " + (int) GenerationRequest.MAX_DURATION
                    + " seconds, found " + duration);
        }
        try {
            sampler(topK, topP, temperature, guidanceScale);
        } catch (InvalidRequestException e) {
            throw StudioException.badRequest(fieldNames(e.getMessage()));
        }
    }

    /** The request's values, defaults for those absent (null). */
    static Sampling of(Double duration, Integer topK, Double topP, Double temperature, Double guidanceScale) {
        return new Sampling(duration == null ? DEFAULT_DURATION : duration, topK == null ? DEFAULT_TOP_K : topK,
                topP == null ? DEFAULT_TOP_P : topP, temperature == null ? DEFAULT_TEMPERATURE : temperature,
                guidanceScale == null ? DEFAULT_GUIDANCE_SCALE : guidanceScale);
    }

    SamplerOptions sampler() {
        return sampler(topK, topP, temperature, guidanceScale);
    }

    private static SamplerOptions sampler(int topK, double topP, double temperature, double guidanceScale) {
        return new SamplerOptions(temperature, topK, topP, guidanceScale, null);
    }

    /** {@code message} with each {@code retune generate} option replaced by the JSON field that sets it. */
    static String fieldNames(String message) {
        String renamed = message;
        for (String option : new String[] {"--cfg (guidance scale)", "--duration", "--top-k", "--top-p", "--temperature", "--cfg"}) {
            renamed = renamed.replace(option, FIELDS.get(option));
        }
        return renamed;
    }
}
