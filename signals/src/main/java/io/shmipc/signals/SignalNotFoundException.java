/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.signals;

/**
 * A named signal was opened without create and does not exist (yet): usually the peer that creates it has not
 * started. {@link NamedSignals#open(String, java.time.Duration)} retries until it appears.
 */
public final class SignalNotFoundException extends NamedSignalException
{
    private static final long serialVersionUID = 1L;

    /** The channel-level name that was not found. */
    private final String signalName;

    /**
     * @param signalName the channel-level name that was not found.
     * @param message    the full message, which names the signal.
     * @param errorCode  the OS error code reported for the failed open.
     */
    public SignalNotFoundException(final String signalName, final String message, final int errorCode)
    {
        super(message, errorCode);
        this.signalName = signalName;
    }

    /**
     * @return the channel-level name that was not found, e.g. {@code "SimpleIPC_REQ"}.
     */
    public String signalName()
    {
        return signalName;
    }
}
