/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.signals;

/**
 * An OS call on a named signal failed. The message names the signal, the call and the OS error text.
 */
public class NamedSignalException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** {@code errno} or {@code GetLastError()} of the failed call, 0 if none. */
    private final int errorCode;

    /**
     * @param message   what failed, including the signal's name.
     * @param errorCode the {@code errno} (Linux) or {@code GetLastError()} (Windows) value, 0 if none.
     */
    public NamedSignalException(final String message, final int errorCode)
    {
        super(message);
        this.errorCode = errorCode;
    }

    /**
     * @return the {@code errno} (Linux) or {@code GetLastError()} (Windows) value of the failed call, 0 if the
     * failure did not come from an OS call.
     */
    public int errorCode()
    {
        return errorCode;
    }
}
