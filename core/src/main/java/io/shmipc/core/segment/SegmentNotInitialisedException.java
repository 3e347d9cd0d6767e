package io.shmipc.core.segment;

/**
 * The segment exists but its queue capacity is still 0: its creator has not initialised it yet. Retry, or open it
 * with a timeout.
 */
public final class SegmentNotInitialisedException extends SegmentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param segment file path or mapping name.
     * @param message what was expected and what was found.
     */
    public SegmentNotInitialisedException(final String segment, final String message)
    {
        super(segment, message);
    }
}
