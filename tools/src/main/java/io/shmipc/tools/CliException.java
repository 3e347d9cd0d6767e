package io.shmipc.tools;

/**
 * A user-facing failure: its message is printed as one line on stderr, without a stack trace, and the command
 * exits with {@link #exitCode()} (one of the {@link ExitCodes}).
 */
final class CliException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliException(final int exitCode, final String message)
    {
        super(message);
        this.exitCode = exitCode;
    }

    /**
     * @return the process exit code this failure maps to.
     */
    int exitCode()
    {
        return exitCode;
    }
}
