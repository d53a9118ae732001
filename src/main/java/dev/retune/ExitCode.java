package dev.retune;

/**
 * Exit codes of every verb; documented in {@code retune --help} and README.md. Never renumber one. The failures a user
 * acts on take theirs from {@link Failure}, which the library's exceptions carry.
 */
public final class ExitCode {

    public static final int OK = 0;
    public static final int INTERNAL_ERROR = 1;
    public static final int USAGE = Failure.USAGE.exitCode();
    public static final int BAD_INPUT = Failure.BAD_INPUT.exitCode();
    public static final int DATA_CHECK_FAILED = Failure.NO_USABLE_DATA.exitCode();
    public static final int VERIFY_FAILED = Failure.MISMATCH.exitCode();
    public static final int DIVERGED = Failure.DIVERGED.exitCode();
    /** A multi-process run lost a rank (crashed, killed, hung) or its ranks could not meet; the others were stopped. */
    public static final int PEER_FAILED = Failure.PEER_FAILED.exitCode();
    /** 128 + SIGINT, the shell's convention; SIGTERM ends the JVM with 143 by the same rule. */
    public static final int INTERRUPTED = Failure.INTERRUPTED.exitCode();

    private ExitCode() {}
}
