package dev.retune.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * A codec pass of the shape both EnCodec halves have, local layers → LSTM → local layers, run a chunk of frames at a
 * time so that memory does not grow with the length, with the result of a whole-length pass up to float rounding.
 *
 * <p>For a chunk of frames [f0, f1), with A the reach of the layers before the LSTM and Z that of the layers after it,
 * both in frames:
 * <ol>
 *   <li>the layers before run over the input of frames [f0 − A, f1 + Z + A), clipped to the input. A window starts on
 *       a frame boundary, so its positions line up with a whole pass at every stride, and where it meets the input's
 *       start or end it pads exactly as a whole pass does; its frames at least A from a cut edge are exact, so frames
 *       [f0, f1 + Z) are kept;</li>
 *   <li>the LSTM runs over [f0, f1) from the state the previous chunk left, then over [f1, f1 + Z) from the new state
 *       as a look-ahead whose state is thrown away;</li>
 *   <li>the layers after run over the LSTM outputs [f0 − Z, f1 + Z), the first Z kept from the previous chunk: the
 *       output of frames [f0, f1) is exact.</li>
 * </ol>
 * A chunk runs once the input up to frame f1 + Z + A is in; {@link #finish} runs the rest, the last window ending where
 * the input ends. Held between calls: the input from frame f0 − A on, the LSTM state, Z LSTM outputs.
 */
final class ChunkedPass implements AutoCloseable {

    /** How the pass is built; input and output are [B, channels, positions] with a fixed number of positions per frame. */
    record Layers(UnaryOperator<Tensor> before, long beforeReach, EncodecLstm lstm, UnaryOperator<Tensor> after, long afterReach,
                  long inputPerFrame, long outputPerFrame) {}

    private final Layers layers;
    private final long chunkFrames;

    private final Retained pending = new Retained(); // [B, C, S]: the input from pendingStart on
    private long pendingStart;
    private long nextFrame;
    private final Retained hidden = new Retained(); // LSTM state after nextFrame, [layers, B, D]
    private final Retained cell = new Retained();
    private final Retained tail = new Retained(); // [B, D, ≤ Z]: LSTM outputs of the frames just before nextFrame

    ChunkedPass(Layers layers, int chunkFrames) {
        if (chunkFrames < 1) {
            throw new IllegalArgumentException("expected chunkFrames >= 1, found " + chunkFrames);
        }
        this.layers = layers;
        this.chunkFrames = chunkFrames;
    }

    long frames() {
        return nextFrame;
    }

    /** Appends input [B, C, n] and returns the output of every frame now final, or {@code none} when there is none. */
    Tensor push(Tensor input, Tensor none) {
        PointerScope caller = PointerScope.getInnerScope();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            pending.set(pending.isEmpty() ? input.contiguous() : torch.cat(new TensorVector(pending.get(), input), 2));
            List<Tensor> out = new ArrayList<>();
            while (end() >= (nextFrame + chunkFrames + layers.afterReach() + layers.beforeReach()) * layers.inputPerFrame()) {
                long f1 = nextFrame + chunkFrames;
                long lookEnd = f1 + layers.afterReach();
                out.add(chunk(f1, lookEnd, (lookEnd + layers.beforeReach()) * layers.inputPerFrame()));
            }
            return handOver(out, none, caller);
        }
    }

    /** The input ended: the output of the frames left (ceil(input / inputPerFrame) frames in all), or {@code none}. */
    Tensor finish(Tensor none) {
        PointerScope caller = PointerScope.getInnerScope();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            long total = Math.floorDiv(end() + layers.inputPerFrame() - 1, layers.inputPerFrame());
            List<Tensor> out = new ArrayList<>();
            while (nextFrame < total) {
                long f1 = Math.min(total, nextFrame + chunkFrames);
                long lookEnd = Math.min(total, f1 + layers.afterReach());
                out.add(chunk(f1, lookEnd, Math.min(end(), (lookEnd + layers.beforeReach()) * layers.inputPerFrame())));
            }
            return handOver(out, none, caller);
        }
    }

    /** Output of frames [nextFrame, f1) from the input up to {@code windowEnd}; the LSTM looks ahead to {@code lookEnd}. */
    private Tensor chunk(long f1, long lookEnd, long windowEnd) {
        long f0 = nextFrame;
        long windowFrame = Math.max(0, f0 - layers.beforeReach());
        long windowStart = windowFrame * layers.inputPerFrame();
        Tensor x = layers.before().apply(pending.get().narrow(2, windowStart - pendingStart, windowEnd - windowStart)); // [B, D, frames from windowFrame]
        if (hidden.isEmpty()) {
            EncodecLstm.State zero = layers.lstm().zeroState(x);
            hidden.set(zero.hidden());
            cell.set(zero.cell());
        }
        EncodecLstm.Output main = layers.lstm().forward(x.narrow(2, f0 - windowFrame, f1 - f0),
                new EncodecLstm.State(hidden.get(), cell.get())); // [B, D, f1 − f0]
        List<Tensor> parts = new ArrayList<>();
        if (!tail.isEmpty()) {
            parts.add(tail.get());
        }
        parts.add(main.y());
        if (lookEnd > f1) {
            parts.add(layers.lstm().forward(x.narrow(2, f1 - windowFrame, lookEnd - f1), main.state()).y()); // [B, D, ≤ Z]
        }
        long before = tail.isEmpty() ? 0 : tail.get().size(2);
        Tensor output = layers.after().apply(torch.cat(new TensorVector(parts.toArray(Tensor[]::new)), 2))
                .narrow(2, before * layers.outputPerFrame(), (f1 - f0) * layers.outputPerFrame()); // [B, C', (f1 − f0)·outputPerFrame]
        Tensor outputs = tail.isEmpty() ? main.y() : torch.cat(new TensorVector(tail.get(), main.y()), 2); // [B, D, before + f1 − f0]
        long kept = Math.min(layers.afterReach(), outputs.size(2));
        tail.set(outputs.narrow(2, outputs.size(2) - kept, kept).contiguous());
        hidden.set(main.state().hidden());
        cell.set(main.state().cell());
        nextFrame = f1;
        long keepFrom = Math.max(0, f1 - layers.beforeReach()) * layers.inputPerFrame();
        pending.set(pending.get().narrow(2, keepFrom - pendingStart, end() - keepFrom).contiguous());
        pendingStart = keepFrom;
        return output;
    }

    private long end() {
        return pending.isEmpty() ? 0 : pendingStart + pending.get().size(2);
    }

    /** The chunks joined ({@code none} when there are none), handed to the caller's scope, or to the garbage collector. */
    private static Tensor handOver(List<Tensor> chunks, Tensor none, PointerScope caller) {
        Tensor joined = chunks.isEmpty() ? none : chunks.size() == 1 ? chunks.get(0) : torch.cat(new TensorVector(chunks.toArray(Tensor[]::new)), 2);
        if (caller != null) {
            caller.attach(joined);
        } else {
            joined.retainReference();
        }
        return joined;
    }

    /** Frees what the pass holds between calls. */
    @Override
    public void close() {
        pending.release();
        hidden.release();
        cell.release();
        tail.release();
    }

    /** A tensor kept alive across native-memory scopes until it is replaced or released. */
    private static final class Retained {
        private Tensor value;

        Tensor get() {
            return value;
        }

        boolean isEmpty() {
            return value == null;
        }

        void set(Tensor next) {
            next.retainReference();
            release();
            value = next;
        }

        void release() {
            if (value != null) {
                value.releaseReference();
                value = null;
            }
        }
    }
}
