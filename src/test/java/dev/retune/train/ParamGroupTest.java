package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ConfigLoader;
import dev.retune.config.OptimConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ParamGroupTest {

    private static final Map<String, Tensor> PARAMS = new LinkedHashMap<>();

    static {
        for (String name : List.of("decoder.lm_heads.0.weight", "decoder.model.decoder.layer_norm.weight",
                "decoder.model.decoder.layers.2.fc1.weight", "decoder.model.decoder.layers.2.self_attn_layer_norm.bias",
                "decoder.model.decoder.layers.0.self_attn.q_proj.lora_A.weight", "decoder.model.decoder.embed_tokens.0.weight",
                "enc_to_dec_proj.weight", "text_encoder.encoder.block.0.layer.0.SelfAttention.q.weight")) {
            PARAMS.put(name, torch.zeros(2, 3));
        }
    }

    @Test
    void withoutLayerDecayThereIsOneRateAndTheSplitIsByWeightDecay() {
        List<ParamGroup> groups = ParamGroup.of(PARAMS, OptimConfig.defaults(), 3);

        assertEquals(List.of("decay", "no_decay"), groups.stream().map(ParamGroup::name).toList());
        assertTrue(groups.stream().allMatch(g -> g.lrScale() == 1.0));
        assertEquals(0.1, groups.get(0).weightDecay());
        assertEquals(0.0, groups.get(1).weightDecay());
        assertEquals(PARAMS.size() * 6L, groups.stream().mapToLong(ParamGroup::count).sum());
    }

    @Test
    void layerDecayDividesTheRateByTheFactorPerLayerBelowTheTop() {
        OptimConfig ulmfit = ConfigLoader.fromOverrides(List.of("optim.layer_decay=2.6")).optim();

        Map<String, Double> scaleOf = new LinkedHashMap<>();
        for (ParamGroup group : ParamGroup.of(PARAMS, ulmfit, 3)) {
            group.parameters().keySet().forEach(name -> scaleOf.put(name, group.lrScale()));
        }

        assertEquals(1.0, scaleOf.get("decoder.lm_heads.0.weight"));
        assertEquals(1.0, scaleOf.get("decoder.model.decoder.layer_norm.weight"));
        assertEquals(1.0, scaleOf.get("enc_to_dec_proj.weight"));
        assertEquals(1.0, scaleOf.get("decoder.model.decoder.layers.2.fc1.weight"), "the top layer");
        assertEquals(1.0, scaleOf.get("decoder.model.decoder.layers.2.self_attn_layer_norm.bias"));
        assertEquals(Math.pow(2.6, -2), scaleOf.get("decoder.model.decoder.layers.0.self_attn.q_proj.lora_A.weight"), 1e-12,
                "an adapter learns at the rate of its layer");
        assertEquals(Math.pow(2.6, -3), scaleOf.get("decoder.model.decoder.embed_tokens.0.weight"), 1e-12);
        assertEquals(Math.pow(2.6, -4), scaleOf.get("text_encoder.encoder.block.0.layer.0.SelfAttention.q.weight"), 1e-12);
    }
}
