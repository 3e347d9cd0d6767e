package io.shmipc.bridge;

/**
 * A bridge failure with the command's exit code for it (see {@link BridgeMain}).
 */
public final class BridgeException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Runtime failure. */
    public static final int FAILURE = 1;
    /** Bad command line or Aeron URI. */
    public static final int USAGE = 2;
    /** The local channel is missing (host-side). */
    public static final int NOT_FOUND = 3;
    /** Aeron refused: a port in use, an address that is not local, a driver that is not there or already runs. */
    public static final int IN_USE = 4;
    /** The far side did not appear within {@code --connect-timeout}. */
    public static final int NO_REMOTE = 5;

    private final int exitCode;

    /**
     * @param exitCode the command's exit code for this failure.
     * @param message  one line that says what and what to do.
     */
    public BridgeException(final int exitCode, final String message)
    {
        super(message);
        this.exitCode = exitCode;
    }

    /**
     * @param exitCode the command's exit code for this failure.
     * @param message  one line.
     * @param cause    the cause.
     */
    public BridgeException(final int exitCode, final String message, final Throwable cause)
    {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** @return the exit code. */
    public int exitCode()
    {
        return exitCode;
    }
}
