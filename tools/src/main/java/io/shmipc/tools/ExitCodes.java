package io.shmipc.tools;

/**
 * Exit codes of every {@code shmipc} command; documented in {@code --help} and {@code docs/cli.md}.
 */
public final class ExitCodes
{
    /** Success. */
    public static final int OK = 0;

    /** A runtime failure: a demo response did not match, the peer died or timed out, an I/O error. */
    public static final int FAILURE = 1;

    /** Bad command line: unknown option, bad value, invalid channel name. */
    public static final int USAGE = 2;

    /** The segment does not exist. */
    public static final int NOT_FOUND = 3;

    /**
     * The file is not a usable segment: too small, not initialised, a header that contradicts the file size,
     * random bytes, a directory, no permission.
     */
    public static final int INVALID_SEGMENT = 4;

    /** The segment opened, but a queue breaks the layout rules (bad positions or block headers). */
    public static final int CORRUPT_QUEUE = 5;

    /** {@code clean} refused: a live process maps the channel's segment or semaphores (use {@code --force}). */
    public static final int IN_USE = 6;

    /**
     * Stopped by SIGINT (Ctrl-C): 128 + 2. The JVM exits with it after the shutdown hooks ran (a host's hook closes
     * the channel and removes its files); the commands return it when they notice the interruption themselves.
     */
    public static final int INTERRUPTED = 130;

    /** Stopped by SIGTERM ({@code kill PID}): 128 + 15, after the shutdown hooks ran, as for {@link #INTERRUPTED}. */
    public static final int TERMINATED = 143;

    /** Text for the {@code Exit codes:} section of {@code --help}. */
    static final String[] HELP = {
        "0:Success.",
        "1:Runtime failure (demo response mismatch, peer died or timed out, I/O error).",
        "2:Usage error (unknown option, bad value, invalid channel name).",
        "3:Segment not found.",
        "4:Not a valid segment (truncated, not initialised, size mismatch, random bytes, directory, permission).",
        "5:A queue is corrupt (positions or block headers break the layout rules).",
        "6:clean refused: a live process maps the channel (use --force).",
        "130:Stopped by SIGINT (Ctrl-C), after a host removed its channel.",
        "143:Stopped by SIGTERM, after a host removed its channel.",
    };

    private ExitCodes()
    {
    }
}
