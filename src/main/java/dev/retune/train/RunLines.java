package dev.retune.train;

import dev.retune.config.ModelConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.run.Checkpointer;
import dev.retune.run.RunFolder;
import dev.retune.run.RunSummary;
import dev.retune.run.TrainerState;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.pytorch.Device;

/**
 * What a run says on the console besides its progress: one line when training starts, one when it ends, and one
 * when there is nothing left to train. A person reads them at the top and bottom of a log; {@code --json} carries
 * them as message records.
 */
final class RunLines {

    private RunLines() {}

    /** Run folder, model, method, trainable parameters, length, device and precision; and where it resumes. */
    static String start(RetuneConfig config, Path runDir, long trainableParameters, Device device, Checkpointer.Saved resume) {
        ModelConfig m = config.model();
        String model = m.path() != null ? m.path() + (m.preset() != null ? " (preset " + m.preset().value() + ")" : "")
                : "preset " + m.preset().value() + " in " + new RunFolder(runDir).modelFolder(config);
        String length = config.train().maxSteps() != null ? config.train().maxSteps() + " steps" : config.train().epochs() + " epochs";
        return String.format(Locale.ROOT, "training %s: model %s, method %s, %,d trainable parameters, %s, %s %s%s", runDir, model,
                config.adapt().method().value(), trainableParameters, length, device.is_cuda() ? "cuda" : "cpu",
                config.precision().mode().value(), resume == null ? "" : "; resuming from step " + resume.state().step()
                        + " (" + resume.dir().getFileName() + ")");
    }

    /** Why it stopped, the best validation loss of the whole run and its step, wall time, and the command to try next. */
    static String end(Path runDir, RunSummary.ExitReason reason, RunSummary whole, double seconds) {
        String why = switch (reason) {
            case COMPLETED -> "finished all " + whole.steps() + " steps";
            case EARLY_STOPPED -> "stopped early at step " + whole.steps() + ": validation loss stopped improving (eval.patience)";
            case INTERRUPTED -> "interrupted at step " + whole.steps() + " (rerun the same command to resume)";
            case DIVERGED -> "diverged after step " + whole.steps();
        };
        String best = whole.bestValStep() >= 0
                ? String.format(Locale.ROOT, "; best validation loss %.4f at step %d", whole.bestValLoss(), whole.bestValStep()) : "; no evaluation ran";
        String time = whole.segments() > 1
                ? String.format(Locale.ROOT, "; %.1f s (whole run %.1f s in %d segments)", seconds, whole.wallSeconds(), whole.segments())
                : String.format(Locale.ROOT, "; %.1f s", seconds);
        String next = switch (reason) {
            case COMPLETED, EARLY_STOPPED -> ". Next: retune generate --run " + runDir + " --prompt \"...\" --out out.wav";
            case INTERRUPTED -> "";
            case DIVERGED -> ". Next: lower optim.lr and train into a new --out folder";
        };
        return why + best + time + next;
    }

    /** A run that finished before this start, and whose length was not raised. */
    static String finished(Path runDir, TrainerState s) {
        String how = Trainer.FINISHED_EARLY.equals(s.finished()) ? "stopped early at step " + s.step() + " (eval.patience)"
                : "finished at step " + s.step();
        String best = Double.isFinite(s.bestValidLoss())
                ? String.format(Locale.ROOT, "; best validation loss %.4f at step %d (checkpoints/best)", s.bestValidLoss(), s.bestStep()) : "";
        return runDir + " " + how + best + ". Nothing to train: raise train.max_steps or train.epochs to train further";
    }
}
