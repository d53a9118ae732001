package dev.retune.adapt;

import dev.retune.config.LoraSection;
import dev.retune.model.Linear;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A low-rank update on one frozen Linear: y = x·Wᵀ + b + scale · B(A(dropout(x))), A [r, in], B [out, r]; scale is the
 * config's (alpha / r) times the weight the adapter is applied with (1 unless generation composes adapters).
 *
 * <p>A and B are {@link Linear}s without bias registered on the adapted Linear as {@code lora_A} and {@code lora_B}, so
 * their state-dict names are {@code <path>.lora_A.weight} and {@code <path>.lora_B.weight}: PEFT's saved names without
 * its {@code base_model.model.} prefix. They live on the base weight's device, in its dtype (float32 when that is a
 * 16-bit float, as PEFT keeps adapters). {@link #merge()} folds scale·B·A into W and turns the delta off;
 * {@link #unmerge()} takes it out again.
 */
public final class LoraLayer {

    private final String path;
    private final Linear base;
    // Java references keep the Java side of these Java-made modules alive (docs/bytedeco.md); the delta hook set on
    // the base Linear refers to this object, so the model keeps them reachable too.
    private final Linear loraA; // weight [r, in]
    private final Linear loraB; // weight [out, r]
    private final double scale;
    private final double dropout;
    private boolean merged;
    private boolean removed;

    /** @param weight multiplies the configured scale: 1 trains and applies the adapter as configured */
    LoraLayer(String path, Linear base, LoraSection config, double weight) {
        this.path = path;
        this.base = base;
        this.scale = config.scale() * weight;
        this.dropout = config.dropout();
        long in = base.inFeatures();
        long out = base.outFeatures();
        int r = config.r();
        loraA = new Linear(in, r, false, 0.0);
        loraB = new Linear(r, out, false, 0.0);
        ScalarType baseType = base.weight.scalar_type().intern();
        ScalarType adapterType = baseType == ScalarType.Half || baseType == ScalarType.BFloat16 ? ScalarType.Float : baseType;
        loraA.to(base.weight.device(), adapterType, false);
        loraB.to(base.weight.device(), adapterType, false);
        initialize(config.init(), in, r);
        base.register_module("lora_A", loraA);
        base.register_module("lora_B", loraB);
        base.setDelta(this::delta);
    }

    /** A as PEFT initialises it, B zero: the adapted model starts out computing exactly what the base model does. */
    private void initialize(String init, long in, int r) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            if (init.equals(LoraSection.GAUSSIAN)) {
                torch.normal_(loraA.weight, 0.0, 1.0 / r);
            } else {
                // kaiming_uniform_(a = √5) on [r, in]: gain √(2 / (1 + 5)), bound gain·√(3 / in) = 1 / √in.
                double bound = 1.0 / Math.sqrt(in);
                torch.uniform_(loraA.weight, -bound, bound);
            }
            loraB.weight.zero_();
        }
    }

    /**
     * Δ(x) = scale · B(A(dropout(x))).
     *
     * @param x [..., in] the adapted Linear's input
     * @return [..., out] in x's dtype
     */
    private Tensor delta(Tensor x) {
        ScalarType inputType = x.scalar_type().intern();
        ScalarType adapterType = loraA.weight.scalar_type().intern();
        Tensor h = inputType == adapterType ? x : x.to(adapterType);
        if (dropout > 0 && base.is_training()) {
            h = torch.dropout(h, dropout, true);
        }
        Tensor d = loraB.forward(loraA.forward(h)).mul(new Scalar(scale)); // [..., r] -> [..., out]
        return d.scalar_type().intern() == inputType ? d : d.to(inputType);
    }

    /** W += scale·B·A and the delta off (no-op when merged). */
    public void merge() {
        requireAttached();
        if (!merged) {
            addToWeight(1);
            base.setDelta(null);
            merged = true;
        }
    }

    /** W −= scale·B·A and the delta on again (no-op when not merged). */
    public void unmerge() {
        requireAttached();
        if (merged) {
            addToWeight(-1);
            base.setDelta(this::delta);
            merged = false;
        }
    }

    /**
     * Detaches the adapter: delta off, {@code lora_A} / {@code lora_B} unregistered, so the model's state dict is the
     * base model's again. The weights stay as they are: call {@link #unmerge()} first for the base weights, or
     * {@link #merge()} first to keep the adapted weights in a plain model. The layer cannot be used afterwards.
     */
    public void remove() {
        if (!removed) {
            base.setDelta(null);
            base.unregister_module("lora_A");
            base.unregister_module("lora_B");
            removed = true;
        }
    }

    private void addToWeight(int sign) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor update = loraB.weight.matmul(loraA.weight).mul(new Scalar(sign * scale)); // [out, r]·[r, in]
            base.weight.add_(update.to(base.weight.scalar_type().intern()));
        }
    }

    private void requireAttached() {
        if (removed) {
            throw new IllegalStateException("the LoRA adapter on " + path + " was removed");
        }
    }

    /** The adapted Linear's full module path, e.g. {@code decoder.model.decoder.layers.0.self_attn.q_proj}. */
    public String path() {
        return path;
    }

    /** The adapted (frozen) Linear. */
    public Linear base() {
        return base;
    }

    /** A's weight [r, in] (trainable). */
    public Tensor a() {
        return loraA.weight;
    }

    /** B's weight [out, r] (trainable). */
    public Tensor b() {
        return loraB.weight;
    }

    public double scale() {
        return scale;
    }

    public boolean merged() {
        return merged;
    }

    /** r · (in + out). */
    public long parameterCount() {
        return loraA.weight.numel() + loraB.weight.numel();
    }
}
