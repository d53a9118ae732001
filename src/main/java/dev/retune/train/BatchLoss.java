package dev.retune.train;

import dev.retune.config.RetuneConfig;
import dev.retune.kernels.CodebookCrossEntropy;
import dev.retune.model.CodebookLoss;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.MusicgenForConditionalGeneration.Conditioning;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The forward pass and loss of one batch, as training and validation run it: autocast to the config's precision, the
 * text encoder (without autograd when frozen), the projection, the null condition when the batch drew condition
 * dropout, the decoder's logits and the fused codebook cross-entropy. The trainer and every held-out score share it,
 * so a score computed outside training is the trainer's number.
 */
public final class BatchLoss {

    /**
     * A batch's logits and loss.
     *
     * @param logits  [B, K, S, V], contiguous
     * @param targets the labels split into target tokens and the positions that count
     * @param loss    the batch's loss (with the logits' gradient when asked for)
     */
    public record Forward(Tensor logits, CodebookLoss.Targets targets, CodebookCrossEntropy.Result loss) {}

    private final MusicgenForConditionalGeneration model;
    private final CodebookCrossEntropy lossFunction;
    private final ScalarType autocast;
    private final Device device;
    private final boolean trainTextEncoder;
    private final long special;

    /**
     * @param autocast         the autocast dtype, or null for fp32
     * @param trainTextEncoder whether T5 runs with autograd (some of its weights train)
     */
    BatchLoss(MusicgenForConditionalGeneration model, CodebookCrossEntropy lossFunction, ScalarType autocast, Device device,
              boolean trainTextEncoder) {
        this.model = model;
        this.lossFunction = lossFunction;
        this.autocast = autocast;
        this.device = device;
        this.trainTextEncoder = trainTextEncoder;
        this.special = model.config().decoder().specialToken();
    }

    /** The loss as a run trained with {@code config} validates {@code model} on {@code device}: its precision and loss kernel. */
    public static BatchLoss forEvaluation(RetuneConfig config, MusicgenForConditionalGeneration model, Device device) {
        return new BatchLoss(model, new CodebookCrossEntropy(config.kernels().codebookLoss()),
                TrainingSetup.autocast(config.precision()), device, false);
    }

    /** Logits and loss of {@code batch} without the logits' gradient (validation, scoring). */
    public Forward forward(Batch batch) {
        return forward(batch, null);
    }

    /**
     * With {@code upstream} (training) the loss comes with d(upstream · loss)/d logits; without it the logits still
     * carry autograd when the caller did not disable it.
     */
    Forward forward(Batch batch, Double upstream) {
        DeviceType deviceType = device.is_cuda() ? DeviceType.CUDA : DeviceType.CPU;
        try (Autocast scope = Autocast.enter(deviceType, autocast)) {
            Tensor ids = batch.textIds().to(device, ScalarType.Long);
            Tensor mask = batch.textMask().to(device, ScalarType.Long);
            Tensor textStates;
            if (trainTextEncoder) {
                textStates = model.text_encoder.forward(ids, mask);
            } else {
                try (NoGradGuard noGrad = new NoGradGuard()) {
                    textStates = model.text_encoder.forward(ids, mask);
                }
            }
            Conditioning conditioning = model.project(textStates, mask);
            if (batch.nullText()) {
                conditioning = conditioning.nulled();
            }
            Tensor logits = model.logits(batch.inputs().to(device, ScalarType.Long), conditioning).contiguous();
            CodebookLoss.Targets targets = CodebookLoss.targets(batch.labels().to(device, ScalarType.Long), special);
            CodebookCrossEntropy.Result result;
            try (NoGradGuard noGrad = new NoGradGuard()) {
                result = upstream == null ? lossFunction.forward(logits.detach(), targets.tokens(), targets.valid())
                        : lossFunction.forwardBackward(logits.detach(), targets.tokens(), targets.valid(), upstream);
            }
            return new Forward(logits, targets, result);
        }
    }

    /**
     * The loss of row {@code row} of a forward on its own, by the same loss function: per codebook the mean over that
     * row's valid positions (NaN for a codebook with none).
     */
    public CodebookCrossEntropy.Result row(Forward forward, int row) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            return lossFunction.forward(forward.logits().detach().narrow(0, row, 1), forward.targets().tokens().narrow(0, row, 1),
                    forward.targets().valid().narrow(0, row, 1));
        }
    }
}
