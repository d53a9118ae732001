package dev.retune.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The EnCodec codec's architecture, bound from the {@code audio_encoder} object of a Hugging Face MusicGen
 * {@code config.json} (or from a stand-alone EnCodec config). JSON keys are the Hugging Face names; a missing key takes
 * the default of transformers' {@code EncodecConfig}; unknown keys are ignored. Only the non-causal, weight-normalised,
 * unnormalised, unchunked codec (the MusicGen 32 kHz one) is supported: anything else fails here, naming the key.
 * Upper bounds leave 4-8x room above the released codecs (encodec_24khz/32khz/48khz: 32-64 filters, 4 strides of at
 * most 8, 1024 inner channels, codebooks of 1024-2048 entries, up to 32 quantizers) and refuse sizes that would
 * allocate tens of GB from one key.
 *
 * @param samplingRate       audio sample rate in Hz
 * @param audioChannels      1 (mono) or 2 (stereo)
 * @param numFilters         F: channels after the first convolution; doubled at every downsampling stage
 * @param upsamplingRatios   decoder strides, in decoder order (the encoder applies them reversed)
 * @param codebookSize       entries per RVQ codebook
 * @param codebookDim        D: dimension of a codebook entry (defaults to hiddenSize)
 * @param hiddenSize         channels of the encoder output / decoder input
 * @param numLstmLayers      layers of the LSTM after the encoder's and before the decoder's strided stack
 * @param numResidualLayers  residual blocks per stage
 * @param kernelSize         kernel of the first convolution
 * @param lastKernelSize     kernel of the last convolution
 * @param residualKernelSize kernel of the first convolution in each residual block
 * @param dilationGrowthRate dilation of residual block j is dilationGrowthRate^j
 * @param compress           residual blocks narrow their channels by this factor
 * @param useCausalConv      causal padding (unsupported: must be false)
 * @param padMode            padding of the non-causal convolutions: "reflect" or "constant"
 * @param targetBandwidths   bandwidths in kbps; the largest fixes the number of quantizers
 * @param useConvShortcut    1x1 convolution on the residual path (false: identity)
 * @param normalize          rescale the input by its RMS (unsupported: must be false)
 * @param normType           "weight_norm" (folded at load time); "time_group_norm" is unsupported
 * @param trimRightRatio     only used by causal transposed convolutions
 * @param chunkLengthS       chunked encoding (unsupported: must be null)
 * @param overlap            chunk overlap; only used with chunking
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EncodecConfig(
        @JsonProperty("sampling_rate") Integer samplingRate,
        @JsonProperty("audio_channels") Integer audioChannels,
        @JsonProperty("num_filters") Integer numFilters,
        @JsonProperty("upsampling_ratios") List<Integer> upsamplingRatios,
        @JsonProperty("codebook_size") Integer codebookSize,
        @JsonProperty("codebook_dim") Integer codebookDim,
        @JsonProperty("hidden_size") Integer hiddenSize,
        @JsonProperty("num_lstm_layers") Integer numLstmLayers,
        @JsonProperty("num_residual_layers") Integer numResidualLayers,
        @JsonProperty("kernel_size") Integer kernelSize,
        @JsonProperty("last_kernel_size") Integer lastKernelSize,
        @JsonProperty("residual_kernel_size") Integer residualKernelSize,
        @JsonProperty("dilation_growth_rate") Integer dilationGrowthRate,
        @JsonProperty("compress") Integer compress,
        @JsonProperty("use_causal_conv") Boolean useCausalConv,
        @JsonProperty("pad_mode") String padMode,
        @JsonProperty("target_bandwidths") List<Double> targetBandwidths,
        @JsonProperty("use_conv_shortcut") Boolean useConvShortcut,
        @JsonProperty("normalize") Boolean normalize,
        @JsonProperty("norm_type") String normType,
        @JsonProperty("trim_right_ratio") Double trimRightRatio,
        @JsonProperty("chunk_length_s") Double chunkLengthS,
        @JsonProperty("overlap") Double overlap) {

    /** Defaults are those of transformers' {@code EncodecConfig} (the 24 kHz model), except where noted. */
    public EncodecConfig {
        samplingRate = samplingRate == null ? 24000 : samplingRate;
        audioChannels = audioChannels == null ? 1 : audioChannels;
        numFilters = numFilters == null ? 32 : numFilters;
        upsamplingRatios = upsamplingRatios == null ? List.of(8, 5, 4, 2) : List.copyOf(upsamplingRatios);
        codebookSize = codebookSize == null ? 1024 : codebookSize;
        hiddenSize = hiddenSize == null ? 128 : hiddenSize;
        codebookDim = codebookDim == null ? hiddenSize : codebookDim;
        numLstmLayers = numLstmLayers == null ? 2 : numLstmLayers;
        numResidualLayers = numResidualLayers == null ? 1 : numResidualLayers;
        kernelSize = kernelSize == null ? 7 : kernelSize;
        lastKernelSize = lastKernelSize == null ? 7 : lastKernelSize;
        residualKernelSize = residualKernelSize == null ? 3 : residualKernelSize;
        dilationGrowthRate = dilationGrowthRate == null ? 2 : dilationGrowthRate;
        compress = compress == null ? 2 : compress;
        useCausalConv = useCausalConv == null ? Boolean.TRUE : useCausalConv;
        padMode = padMode == null ? "reflect" : padMode;
        targetBandwidths = targetBandwidths == null ? List.of(1.5, 3.0, 6.0, 12.0, 24.0) : List.copyOf(targetBandwidths);
        useConvShortcut = useConvShortcut == null ? Boolean.TRUE : useConvShortcut;
        normalize = normalize == null ? Boolean.FALSE : normalize;
        normType = normType == null ? "weight_norm" : normType;
        trimRightRatio = trimRightRatio == null ? 1.0 : trimRightRatio;

        ConfigBounds.range("audio_encoder.sampling_rate", samplingRate, 1, 384_000);
        ConfigBounds.range("audio_encoder.audio_channels", audioChannels, 1, 2);
        ConfigBounds.range("audio_encoder.num_filters", numFilters, 1, 512);
        ConfigBounds.range("audio_encoder.codebook_size", codebookSize, 1, 16_384);
        ConfigBounds.range("audio_encoder.hidden_size", hiddenSize, 1, 1024);
        ConfigBounds.range("audio_encoder.codebook_dim", codebookDim, 1, 1024);
        ConfigBounds.range("audio_encoder.num_lstm_layers", numLstmLayers, 1, 8);
        ConfigBounds.range("audio_encoder.num_residual_layers", numResidualLayers, 0, 8);
        ConfigBounds.range("audio_encoder.kernel_size", kernelSize, 1, 63);
        ConfigBounds.range("audio_encoder.last_kernel_size", lastKernelSize, 1, 63);
        ConfigBounds.range("audio_encoder.residual_kernel_size", residualKernelSize, 1, 63);
        ConfigBounds.range("audio_encoder.dilation_growth_rate", dilationGrowthRate, 1, 8);
        ConfigBounds.range("audio_encoder.compress", compress, 1, 16);
        if (compress > numFilters) {
            throw new ModelException("audio_encoder.compress " + compress + " must be at most audio_encoder.num_filters "
                    + numFilters + ": residual blocks narrow their channels by this factor");
        }
        requireFramesAndQuantizers(samplingRate, numFilters, upsamplingRatios, targetBandwidths);
        if (!codebookDim.equals(hiddenSize)) {
            throw new ModelException("audio_encoder.codebook_dim " + codebookDim + " must equal audio_encoder.hidden_size "
                    + hiddenSize + ": the quantizer reads the encoder's output directly");
        }
        if (useCausalConv) {
            throw new ModelException("audio_encoder.use_causal_conv = true is not supported: only the non-causal codec"
                    + " (MusicGen's encodec_32khz) is implemented; causal padding and right-trimming are missing");
        }
        if (normalize) {
            throw new ModelException("audio_encoder.normalize = true is not supported: input RMS scaling (the 48 kHz"
                    + " codec) is not implemented; MusicGen's codec uses normalize = false");
        }
        if (chunkLengthS != null) {
            throw new ModelException("audio_encoder.chunk_length_s = " + chunkLengthS + " is not supported: chunked"
                    + " encoding with overlap is not implemented; MusicGen's codec uses chunk_length_s = null");
        }
        if (!normType.equals("weight_norm")) {
            throw new ModelException("audio_encoder.norm_type = " + normType + " is not supported: only weight_norm"
                    + " (folded into plain weights at load time) is implemented");
        }
        if (!padMode.equals("reflect") && !padMode.equals("constant")) {
            throw new ModelException("audio_encoder.pad_mode = " + padMode + " is not supported: use reflect or constant");
        }
    }

    /** The codec of MusicGen's 32 kHz checkpoints (facebook/encodec_32khz, inside facebook/musicgen-*). */
    public static EncodecConfig musicgen32khz() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("sampling_rate", 32000);
        values.put("audio_channels", 1);
        values.put("num_filters", 64);
        values.put("upsampling_ratios", List.of(8, 5, 4, 4));
        values.put("codebook_size", 2048);
        values.put("codebook_dim", 128);
        values.put("hidden_size", 128);
        values.put("num_lstm_layers", 2);
        values.put("num_residual_layers", 1);
        values.put("kernel_size", 7);
        values.put("last_kernel_size", 7);
        values.put("residual_kernel_size", 3);
        values.put("dilation_growth_rate", 2);
        values.put("compress", 2);
        values.put("use_causal_conv", false);
        values.put("pad_mode", "reflect");
        values.put("target_bandwidths", List.of(2.2));
        values.put("use_conv_shortcut", false);
        values.put("normalize", false);
        values.put("norm_type", "weight_norm");
        values.put("trim_right_ratio", 1.0);
        return bind(HfConfigJson.MAPPER.valueToTree(values), "musicgen32khz preset");
    }

    /**
     * Reads the codec config from a Hugging Face {@code config.json}: the {@code audio_encoder} object of a MusicGen
     * (composite) config, or the whole file when it is an EnCodec config.
     */
    public static EncodecConfig fromHfConfig(Path configJson) {
        JsonNode root;
        try {
            root = HfConfigJson.MAPPER.readTree(Files.readString(configJson));
        } catch (IOException e) {
            throw new ModelException(configJson + ": cannot read config: " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new ModelException(configJson + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelException(configJson + ": expected a JSON object");
        }
        JsonNode codec = root.get("audio_encoder");
        if (codec != null && codec.isObject()) {
            return bind(codec, configJson.toString());
        }
        JsonNode modelType = root.get("model_type");
        if (modelType != null && "encodec".equals(modelType.asString())) {
            return bind(root, configJson.toString());
        }
        throw new ModelException(configJson + ": no audio_encoder object and model_type is not encodec");
    }

    /** Binds one JSON object of Hugging Face keys; {@code source} names it in errors. */
    public static EncodecConfig bind(JsonNode node, String source) {
        return HfConfigJson.bind(node, EncodecConfig.class, source, "audio_encoder");
    }

    /** Samples per frame: the product of the strides. */
    public int hopLength() {
        int hop = 1;
        for (int ratio : upsamplingRatios) {
            hop = Math.multiplyExact(hop, ratio);
        }
        return hop;
    }

    /** Frames (codes) per second: ceil(sampling_rate / hop_length), as transformers computes it. */
    public int frameRate() {
        return framesPerSecond(samplingRate, hopLength());
    }

    /** Quantizers in the RVQ: int(1000 · max(target_bandwidths) // (frame_rate · 10)), Python float floor division. */
    public int numQuantizers() {
        return quantizers(targetBandwidths, frameRate());
    }

    /**
     * Quantizers used when encoding at {@code kbps}: max(1, floor(kbps · 1000 / (log2(codebook_size) · frame_rate))),
     * capped at {@link #numQuantizers()} (transformers slices its layer list the same way).
     */
    public int quantizersForBandwidth(double kbps) {
        double bitsPerQuantizer = Math.log(codebookSize) / Math.log(2) * frameRate();
        return Math.min(numQuantizers(), Math.max(1, (int) Math.floor(kbps * 1000 / bitsPerQuantizer)));
    }

    /** Channels after the strided encoder stack (and before the decoder's): F · 2^stages. */
    public int innerChannels() {
        return numFilters << upsamplingRatios.size();
    }

    /** Strides and bandwidths: the frame length, the codec's widest layers and the number of quantizers they give. */
    private static void requireFramesAndQuantizers(int samplingRate, int numFilters, List<Integer> upsamplingRatios,
                                                   List<Double> targetBandwidths) {
        if (upsamplingRatios.isEmpty() || upsamplingRatios.size() > 8
                || upsamplingRatios.stream().anyMatch(r -> r == null || r < 1 || r > 32)) {
            throw new ModelException("audio_encoder.upsampling_ratios must be a list of 1 to 8 strides between 1 and 32,"
                    + " found " + upsamplingRatios);
        }
        // Channels double at every stride: the LSTM and the convolutions around it are this wide.
        ConfigBounds.range("audio_encoder.num_filters · 2^len(upsampling_ratios)",
                (long) numFilters << upsamplingRatios.size(), 1, 4096);
        long hop = upsamplingRatios.stream().mapToLong(Integer::longValue).reduce(1, Math::multiplyExact);
        if (hop > samplingRate) {
            throw new ModelException("audio_encoder.upsampling_ratios " + upsamplingRatios + " make frames of " + hop
                    + " samples, longer than a second at audio_encoder.sampling_rate " + samplingRate);
        }
        if (targetBandwidths.isEmpty() || targetBandwidths.size() > 16
                || targetBandwidths.stream().anyMatch(b -> b == null || !(b > 0) || b > 1000)) {
            throw new ModelException("audio_encoder.target_bandwidths must be a list of 1 to 16 bandwidths in (0, 1000]"
                    + " kbps, found " + targetBandwidths);
        }
        int frameRate = framesPerSecond(samplingRate, (int) hop);
        int quantizers = quantizers(targetBandwidths, frameRate);
        if (quantizers < 1 || quantizers > 64) {
            throw new ModelException("audio_encoder.target_bandwidths " + targetBandwidths + " give " + quantizers
                    + " quantizers at " + frameRate + " frames/s; 1 to 64 are supported");
        }
    }

    private static int framesPerSecond(int samplingRate, int hop) {
        return Math.floorDiv(samplingRate + hop - 1, hop);
    }

    private static int quantizers(List<Double> targetBandwidths, int frameRate) {
        return (int) pythonFloorDiv(1000 * Collections.max(targetBandwidths), frameRate * 10.0);
    }

    /** Python's {@code a // b} for positive floats: (a − fmod(a, b)) / b, rounded to the nearest integer. */
    private static double pythonFloorDiv(double a, double b) {
        double div = (a - a % b) / b;
        double floor = Math.floor(div);
        return div - floor > 0.5 ? floor + 1 : floor;
    }
}
