package dev.retune.cli;

/** Exit codes of every verb; documented in {@code retune --help} and README.md. Never renumber one. */
public final class ExitCode {

    public static final int OK = 0;
    public static final int INTERNAL_ERROR = 1;
    public static final int USAGE = 2;
    public static final int BAD_INPUT = 3;
    public static final int DATA_CHECK_FAILED = 4;
    public static final int VERIFY_FAILED = 5;
    public static final int DIVERGED = 6;
    /** A multi-process run lost a rank (crashed, killed, hung) or its ranks could not meet; the others were stopped. */
    public static final int PEER_FAILED = 7;
    /** 128 + SIGINT, the shell's convention; SIGTERM ends the JVM with 143 by the same rule. */
    public static final int INTERRUPTED = 130;

    private ExitCode() {}
}
