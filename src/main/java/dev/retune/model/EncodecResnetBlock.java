package dev.retune.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * SEANet residual unit: y = shortcut(x) + conv_k1(ELU(conv_k(ELU(x)))), the first convolution dilated and narrowed to
 * dim / compress channels. The shortcut is the identity, or a 1x1 convolution when {@code use_conv_shortcut}.
 * Registered as {@code block.1.conv}, {@code block.3.conv} (slots 0 and 2 are the parameterless ELUs) and
 * {@code shortcut.conv}.
 */
public final class EncodecResnetBlock extends Module {

    /** Containers are held here too: a Module made from Java must stay reachable from Java (see docs/bytedeco.md). */
    private final Module block;
    private final EncodecConv1d narrow;
    private final EncodecConv1d widen;
    private final EncodecConv1d shortcut; // null: identity

    public EncodecResnetBlock(EncodecConfig config, int dim, int dilation) {
        super("EncodecResnetBlock");
        int hidden = dim / config.compress();
        block = register_module("block", new Module("ModuleList"));
        narrow = block.register_module("1", new EncodecConv1d(config, dim, hidden, config.residualKernelSize(), 1, dilation));
        widen = block.register_module("3", new EncodecConv1d(config, hidden, dim, 1));
        shortcut = config.useConvShortcut() ? register_module("shortcut", new EncodecConv1d(config, dim, dim, 1)) : null;
    }

    /** How far an output position reaches into the input, in positions, on either side. */
    long reach() {
        return narrow.reach() + widen.reach() + (shortcut == null ? 0 : shortcut.reach());
    }

    /** [B, dim, T] → [B, dim, T]. */
    public Tensor forward(Tensor x) {
        Tensor h = narrow.forward(torch.elu(x)); // [B, dim/compress, T]
        h = widen.forward(torch.elu(h)); // [B, dim, T]
        Tensor residual = shortcut == null ? x : shortcut.forward(x); // [B, dim, T]
        return residual.add(h); // [B, dim, T]
    }
}
