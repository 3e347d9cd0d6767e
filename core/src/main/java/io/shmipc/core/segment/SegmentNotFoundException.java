package io.shmipc.core.segment;

/**
 * The segment does not exist: the peer that creates it has not started, or the name is wrong.
 */
public final class SegmentNotFoundException extends SegmentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param segment file path or mapping name.
     * @param message what was expected and what was found.
     */
    public SegmentNotFoundException(final String segment, final String message)
    {
        super(segment, message);
    }
}
